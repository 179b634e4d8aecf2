import { DENSITY_LEVELS_SEC, MEMBER_PREFIX_LENGTH } from './replay-keys';

/** Lua: the counter levels, and the KEYS a session takes in the ingest and retract scripts. */
const LEVELS_LUA = `local LEVELS = {${DENSITY_LEVELS_SEC.join(', ')}}
local PER_SESSION = ${1 + DENSITY_LEVELS_SEC.length}`;

/*
 * Lua scripts of the replay store. Each runs atomically on the keys of ONE room (all
 * declared in KEYS and sharing the room's hash tag), so a message is either fully
 * indexed or not at all, and a retraction can never race an ingest into a half state.
 */

/** The value a retracted id keeps in the msg hash (a tombstone; bodies are JSON objects, never "-"). */
export const TOMBSTONE = '-';

/**
 * Bumps a session's version (the ETag of its pages and density). A new counter starts at
 * the server clock in microseconds instead of 1, so a session whose keys were wiped (room
 * rebuild) or lost never reuses a version a client may still hold for other content.
 */
const BUMP_VERSION_LUA = `
local function bumpVersion(key, field)
  if redis.call('HINCRBY', key, field, 1) == 1 then
    local t = redis.call('TIME')
    redis.call('HSET', key, field, string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2])))
  end
end
`;

/**
 * Stores one room's slice of a consumed batch. Redis commands are batched per key (one HMGET,
 * HSET, ZADD per timeline, HINCRBY per touched second) because per-command overhead, not
 * data-structure work, dominates a script's cost.
 * KEYS: 1 msg hash, 2 room timeline, 3 session starts, 4 session versions, 5 purged sessions,
 *       then per session s (1-based), from b = 5 + (s-1)*PER_SESSION: b+1 session timeline,
 *       b+1+l its density counters of level l (DENSITY_LEVELS_SEC).
 * ARGV: 1 S (session count); 1+s sessionId; 1+S+s startedAt for lazy creation;
 *       then 6 per message: id, body, roomMember, sessionIndex (0: none), sessionMember, densityField.
 * Returns {stored, duplicates, retracted (ignored: tombstoned), expired (ignored: its session was
 * purged by retention)}.
 */
export const INGEST_SCRIPT = `${BUMP_VERSION_LUA}
${LEVELS_LUA}
local S = tonumber(ARGV[1])
local first = 2 + 2 * S
local purged = {}
for s = 1, S do purged[s] = redis.call('HEXISTS', KEYS[5], ARGV[1 + s]) == 1 end
local ids = {}
for i = first, #ARGV, 6 do ids[#ids + 1] = ARGV[i] end
local stored, duplicates, tombstoned, expired = 0, 0, 0, 0
if #ids > 0 then
  local current = redis.call('HMGET', KEYS[1], unpack(ids))
  local seen, bodies, roomMembers, sessionMembers, seconds = {}, {}, {}, {}, {}
  for s = 1, S do sessionMembers[s] = {}; seconds[s] = {} end
  local k = 0
  for i = first, #ARGV, 6 do
    k = k + 1
    local id = ARGV[i]
    local s = tonumber(ARGV[i + 3])
    if s > 0 and purged[s] then
      expired = expired + 1
    elseif current[k] == '${TOMBSTONE}' then
      tombstoned = tombstoned + 1
    elseif current[k] or seen[id] then
      duplicates = duplicates + 1
    else
      seen[id] = true
      bodies[#bodies + 1] = id
      bodies[#bodies + 1] = ARGV[i + 1]
      roomMembers[#roomMembers + 1] = 0
      roomMembers[#roomMembers + 1] = ARGV[i + 2]
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
        local base = 5 + (s - 1) * PER_SESSION
        redis.call('ZADD', KEYS[base + 1], unpack(sessionMembers[s]))
        for l, level in ipairs(LEVELS) do
          local windows = {}
          for second, n in pairs(seconds[s]) do
            local w = math.floor(tonumber(second) / level)
            windows[w] = (windows[w] or 0) + n
          end
          for w, n in pairs(windows) do redis.call('HINCRBY', KEYS[base + 1 + l], w, n) end
        end
        bumpVersion(KEYS[4], ARGV[1 + s])
      end
    end
  end
end
-- A session first seen through its danmaku (its session.started not consumed yet):
-- remember it; the authoritative event overwrites startedAt later.
for s = 1, S do
  if not purged[s] then redis.call('HSETNX', KEYS[3], ARGV[1 + s], ARGV[1 + S + s]) end
end
return {stored, duplicates, tombstoned, expired}
`;

/**
 * Retracts ids of one room: removes the stored ones from every index and leaves a tombstone
 * in the msg hash, so a redelivered accepted event never brings them back.
 * KEYS: 1 msg hash, 2 room timeline, 3 session versions, then per session s, from
 *       b = 3 + (s-1)*PER_SESSION: b+1 timeline, b+1+l density counters of level l.
 * ARGV: 1 S, 1+s sessionId, then 6 per id: id, known ('1' when the caller read its body), roomMember,
 *       sessionIndex, sessionMember, densityField.
 * Returns {removed, missed ids} — missed: stored after the caller's read; the caller re-reads and
 * retries them (nothing else can happen to them meanwhile: bodies are immutable).
 */
export const RETRACT_SCRIPT = `${BUMP_VERSION_LUA}
${LEVELS_LUA}
local S = tonumber(ARGV[1])
local removed, missed = 0, {}
for i = 2 + S, #ARGV, 6 do
  local id = ARGV[i]
  local current = redis.call('HGET', KEYS[1], id)
  if not current then
    redis.call('HSET', KEYS[1], id, '${TOMBSTONE}')
  elseif current ~= '${TOMBSTONE}' then
    if ARGV[i + 1] == '1' then
      redis.call('HSET', KEYS[1], id, '${TOMBSTONE}')
      redis.call('ZREM', KEYS[2], ARGV[i + 2])
      local s = tonumber(ARGV[i + 3])
      local base = 3 + (s - 1) * PER_SESSION
      if s > 0 and redis.call('ZREM', KEYS[base + 1], ARGV[i + 4]) == 1 then
        for l, level in ipairs(LEVELS) do
          local w = math.floor(tonumber(ARGV[i + 5]) / level)
          if redis.call('HINCRBY', KEYS[base + 1 + l], w, -1) <= 0 then
            redis.call('HDEL', KEYS[base + 1 + l], w)
          end
        end
        bumpVersion(KEYS[3], ARGV[1 + s])
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
 * Only the bodies come back (the app splices them into the page's JSON), not the members:
 * half the reply to parse. (Joining them here with table.concat measured slower: Lua copies
 * the ~250 KB string twice.)
 * KEYS: 1 timeline, 2 msg hash, [3 session starts, 4 session ends, 5 session versions].
 * ARGV: 1 min, 2 max, 3 limit, [4 sessionId: checked to exist first].
 * Returns {state, endedAt|'', version|'', lastMember|'', body1, body2, …}; state 0: unknown
 * session; lastMember: the page's last member when more follow ('' on the last page).
 */
export const PAGE_SCRIPT = `
local endedAt, version = '', ''
if #KEYS == 5 then
  if redis.call('HEXISTS', KEYS[3], ARGV[4]) == 0 then return {0, '', '', ''} end
  endedAt = redis.call('HGET', KEYS[4], ARGV[4]) or ''
  version = redis.call('HGET', KEYS[5], ARGV[4]) or ''
end
local limit = tonumber(ARGV[3])
local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, limit + 1)
local n = math.min(#members, limit)
-- The cursor follows the members, not the bodies served, so paging never stops early.
local out = {1, endedAt, version, ''}
if #members > limit then out[4] = members[n] end
if n == 0 then return out end
local ids = {}
-- Members are '<13 digits>:<12 digits>:<id>': the id starts at a fixed position.
for i = 1, n do ids[i] = string.sub(members[i], ${MEMBER_PREFIX_LENGTH + 1}) end
local bodies = redis.call('HMGET', KEYS[2], unpack(ids))
for i = 1, n do
  -- Never false in a consistent store (retraction unindexes atomically); a member without a
  -- live body is skipped rather than served.
  if bodies[i] and bodies[i] ~= '${TOMBSTONE}' then out[#out + 1] = bodies[i] end
end
return out
`;

/**
 * A session's state without its data: enough to answer a conditional request (304).
 * KEYS: 1 session starts, 2 session ends, 3 session versions. ARGV: 1 sessionId.
 * Returns {state, endedAt|'', version|''}; state 0: unknown session.
 */
export const SESSION_STATE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {0, '', ''} end
return {1, redis.call('HGET', KEYS[2], ARGV[1]) or '', redis.call('HGET', KEYS[3], ARGV[1]) or ''}
`;

/**
 * Records a session's start or end unless retention already purged it (a redelivered or
 * re-read event must not bring an expired session back).
 * KEYS: 1 session starts, 2 session ends, 3 purged sessions. ARGV: 1 sessionId, 2 startedAt, [3 endedAt].
 * Returns 1 when recorded, 0 when the session was purged.
 */
export const SESSION_EVENT_SCRIPT = `
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] then redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) end
return 1
`;

/**
 * What the density histogram needs, in one round trip. With a bucket width, the counters of
 * the coarsest level dividing it are summed into buckets here, next to the data: the default
 * 10 s buckets of a 3-hour session read 1,080 counters and send back 1,080 numbers.
 * KEYS: 1 session starts, 2 session ends, 3 session timeline, 4 density counters of the level,
 *       5 session versions.
 * ARGV: 1 sessionId, 2 bucketMs ('' for no buckets), 3 most buckets to compute, 4 level (s).
 * Returns {state, endedAt|'', version|'', lastMember|'', [bucket1, bucket2, …]}; state 0:
 * unknown session. No buckets when the session is empty or would need more than ARGV[3].
 */
export const DENSITY_SOURCE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {0, '', '', ''} end
local endedAt = redis.call('HGET', KEYS[2], ARGV[1]) or ''
local version = redis.call('HGET', KEYS[5], ARGV[1]) or ''
local last = redis.call('ZRANGE', KEYS[3], '+', '-', 'BYLEX', 'REV', 'LIMIT', 0, 1)[1] or ''
local out = {1, endedAt, version, last}
if ARGV[2] ~= '' and last ~= '' then
  local bucketMs = tonumber(ARGV[2])
  local n = math.floor(tonumber(string.sub(last, 1, 13)) / bucketMs) + 1
  if n <= tonumber(ARGV[3]) then
    local windowsPerBucket = bucketMs / (tonumber(ARGV[4]) * ${1000})
    local buckets = {}
    for i = 1, n do buckets[i] = 0 end
    local counters = redis.call('HGETALL', KEYS[4])
    for i = 1, #counters, 2 do
      local b = math.floor(tonumber(counters[i]) / windowsPerBucket) + 1
      if b <= n then buckets[b] = buckets[b] + tonumber(counters[i + 1]) end
    end
    for i = 1, n do out[4 + i] = buckets[i] end
  end
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
