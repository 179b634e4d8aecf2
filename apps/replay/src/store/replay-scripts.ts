/**
 * Lua scripts of the replay store. Each runs atomically on the keys of ONE room (all
 * declared in KEYS and sharing the room's hash tag), so a message is either fully
 * indexed or not at all, and a retraction can never race an ingest into a half state.
 */

/** The value a retracted id keeps in the msg hash (a tombstone; bodies are JSON objects, never "-"). */
export const TOMBSTONE = '-';

/**
 * Stores one room's slice of a consumed batch. Redis commands are batched per key (one HMGET,
 * HSET, ZADD per timeline, HINCRBY per touched second) because per-command overhead, not
 * data-structure work, dominates a script's cost.
 * KEYS: 1 msg hash, 2 room timeline, 3 session starts hash,
 *       then per session s (1-based): 2+2s session timeline, 3+2s session density.
 * ARGV: 1 S (session count); 1+s sessionId; 1+S+s startedAt for lazy creation;
 *       then 6 per message: id, body, roomMember, sessionIndex (0: none), sessionMember, densityField.
 * Returns {stored, duplicates, retracted (ignored because tombstoned)}.
 */
export const INGEST_SCRIPT = `
local S = tonumber(ARGV[1])
local first = 2 + 2 * S
local ids = {}
for i = first, #ARGV, 6 do ids[#ids + 1] = ARGV[i] end
local stored, duplicates, tombstoned = 0, 0, 0
if #ids > 0 then
  local current = redis.call('HMGET', KEYS[1], unpack(ids))
  local seen, bodies, roomMembers, sessionMembers, seconds = {}, {}, {}, {}, {}
  for s = 1, S do sessionMembers[s] = {}; seconds[s] = {} end
  local k = 0
  for i = first, #ARGV, 6 do
    k = k + 1
    local id = ARGV[i]
    if current[k] == '${TOMBSTONE}' then
      tombstoned = tombstoned + 1
    elseif current[k] or seen[id] then
      duplicates = duplicates + 1
    else
      seen[id] = true
      bodies[#bodies + 1] = id
      bodies[#bodies + 1] = ARGV[i + 1]
      roomMembers[#roomMembers + 1] = 0
      roomMembers[#roomMembers + 1] = ARGV[i + 2]
      local s = tonumber(ARGV[i + 3])
      if s > 0 then
        local z = sessionMembers[s]
        z[#z + 1] = 0
        z[#z + 1] = ARGV[i + 4]
        seconds[s][ARGV[i + 5]] = (seconds[s][ARGV[i + 5]] or 0) + 1
      end
      stored = stored + 1
    end
  end
  if stored > 0 then
    redis.call('HSET', KEYS[1], unpack(bodies))
    redis.call('ZADD', KEYS[2], unpack(roomMembers))
    for s = 1, S do
      if #sessionMembers[s] > 0 then
        redis.call('ZADD', KEYS[2 + 2 * s], unpack(sessionMembers[s]))
        for field, n in pairs(seconds[s]) do redis.call('HINCRBY', KEYS[3 + 2 * s], field, n) end
      end
    end
  end
end
-- A session first seen through its danmaku (its session.started not consumed yet):
-- remember it; the authoritative event overwrites startedAt later.
for s = 1, S do
  redis.call('HSETNX', KEYS[3], ARGV[1 + s], ARGV[1 + S + s])
end
return {stored, duplicates, tombstoned}
`;

/**
 * Retracts ids of one room: removes the stored ones from every index and leaves a tombstone
 * in the msg hash, so a redelivered accepted event never brings them back.
 * KEYS: 1 msg hash, 2 room timeline, then per session s: 1+2s timeline, 2+2s density.
 * ARGV: 6 per id: id, known ('1' when the caller read its body), roomMember, sessionIndex, sessionMember, densityField.
 * Returns {removed, missed ids} — missed: stored after the caller's read; the caller re-reads and
 * retries them (nothing else can happen to them meanwhile: bodies are immutable).
 */
export const RETRACT_SCRIPT = `
local removed, missed = 0, {}
for i = 1, #ARGV, 6 do
  local id = ARGV[i]
  local current = redis.call('HGET', KEYS[1], id)
  if not current then
    redis.call('HSET', KEYS[1], id, '${TOMBSTONE}')
  elseif current ~= '${TOMBSTONE}' then
    if ARGV[i + 1] == '1' then
      redis.call('HSET', KEYS[1], id, '${TOMBSTONE}')
      redis.call('ZREM', KEYS[2], ARGV[i + 2])
      local s = tonumber(ARGV[i + 3])
      if s > 0 and redis.call('ZREM', KEYS[1 + 2 * s], ARGV[i + 4]) == 1 then
        if redis.call('HINCRBY', KEYS[2 + 2 * s], ARGV[i + 5], -1) <= 0 then
          redis.call('HDEL', KEYS[2 + 2 * s], ARGV[i + 5])
        end
      end
      removed = removed + 1
    else
      missed[#missed + 1] = id
    end
  end
end
return {removed, missed}
`;

/**
 * One page of a timeline with its bodies, read atomically (no member without its body).
 * KEYS: 1 timeline, 2 msg hash, [3 session starts, 4 session ends].
 * ARGV: 1 min, 2 max, 3 count, [4 sessionId: checked to exist first].
 * Returns {state, endedAt|'', member1, body1, …}; state 0: unknown session, 1: ok.
 */
export const PAGE_SCRIPT = `
local endedAt = ''
if #KEYS == 4 then
  if redis.call('HEXISTS', KEYS[3], ARGV[4]) == 0 then return {0, ''} end
  endedAt = redis.call('HGET', KEYS[4], ARGV[4]) or ''
end
local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {1, endedAt}
if #members == 0 then return out end
local ids = {}
for i, m in ipairs(members) do ids[i] = string.match(m, '^%d+:%d+:(.*)$') end
local bodies = redis.call('HMGET', KEYS[2], unpack(ids))
for i, m in ipairs(members) do
  if bodies[i] and bodies[i] ~= '${TOMBSTONE}' then
    out[#out + 1] = m
    out[#out + 1] = bodies[i]
  end
end
return out
`;

/**
 * What the density histogram needs, in one round trip.
 * KEYS: 1 session starts, 2 session ends, 3 session timeline, 4 session density.
 * ARGV: 1 sessionId, 2 'counters' to also return the per-second counters.
 * Returns {state, endedAt|'', lastMember|'', [field1, count1, …]}; state 0: unknown session.
 */
export const DENSITY_SOURCE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {0, '', ''} end
local endedAt = redis.call('HGET', KEYS[2], ARGV[1]) or ''
local last = redis.call('ZRANGE', KEYS[3], '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)[1] or ''
local out = {1, endedAt, last}
if ARGV[2] == 'counters' and last ~= '' then
  local counters = redis.call('HGETALL', KEYS[4])
  for i = 1, #counters do out[#out + 1] = counters[i] end
end
return out
`;

/**
 * Exact counts for bucket widths the per-second counters cannot serve (not a multiple of
 * 1000 ms): one O(log n) ZLEXCOUNT per bucket, the bucket count being capped by the caller.
 * KEYS: 1 session timeline. ARGV: 1 bucketMs, 2 bucket count, 3 Lua format of a time.
 */
export const DENSITY_EXACT_SCRIPT = `
local width, n, fmt = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local out = {}
for i = 0, n - 1 do
  out[i + 1] = redis.call('ZLEXCOUNT', KEYS[1],
    '[' .. string.format(fmt, i * width) .. ':', '(' .. string.format(fmt, (i + 1) * width) .. ':')
end
return out
`;
