import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { sharedRedisKeys } from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';
import { modKeys } from '../common/moderation-keys';
import { MODERATION_CONFIG, type ModerationConfig } from '../config/moderation.config';
import { storedDecisionSchema, type DecisionRequest, type RecordOutcome } from './decision.types';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /**
     * KEYS: the site context key, then 9 per message; ARGV: the decision TTL, a fresh epoch,
     * the room idle TTL, the recent buffer's length and the site context token, then 14 per
     * message. Returns [status, json] per message (status 1 fresh, 0 stored before, 2/3 the
     * room's/site's context changed: not decided, json '').
     */
    modDecideMany(numKeys: number, ...keysThenArgs: string[]): Result<(number | string)[], Context>;
  }
}

/**
 * Decides messages atomically, one after another in the given order: an earlier decision
 * wins (redelivery keeps its seq); else a static rejection is stored as is; else the rate
 * rules run against the sender's recent history and, if they pass, the room's seq is
 * incremented and the danmaku appended to the room's recent buffer (trimmed to its length
 * once per room and call). Accepted seqs are therefore contiguous, a decision and its place
 * in the buffer are stored together (one round trip per batch for both), and a crash between
 * this script and the Kafka publish only means the stored decision is published again.
 *
 * A message not decided before is decided only if the room's and the site's context tokens
 * are still the ones its static rules were evaluated under (`modKeys.context`: every write of
 * settings, sessions, terms, bans or mutes replaces them); otherwise nothing is written for
 * it and it comes back as stale, to be evaluated again on fresh state (DecisionService). So
 * a cached context is never used past a change: the check and the decision are one step.
 *
 * One call decides a chunk of messages (a call per message cost more in client overhead
 * than the rules themselves). KEYS[1] is the site's context key; per message, KEYS are
 * decision, seq, last-accepted, recent-text and flood keys, the room's epoch, recent buffer
 * and its last seq, and the room's context key; ARGV (after the decision TTL, a fresh epoch,
 * the room idle TTL, the buffer length and the site's expected context token) are the static
 * rejection JSON or '', the accepted JSON without its `{`, sentAt, id, slow-mode ms,
 * duplicate ms, flood max, flood window ms, the flood / slow-mode / duplicate rejection
 * JSONs, the buffered danmaku's JSON before and after its seq, and the room's expected
 * context token ('' = the key is absent).
 *
 * The accepted JSON is assembled by concatenation so the seq (an integer) never goes
 * through Lua's float formatting of big numbers.
 */
const DECIDE_MANY_LUA = `
local ttl = tonumber(ARGV[1])
local freshEpoch = ARGV[2]
local idleTtl = tonumber(ARGV[3])
local keep = tonumber(ARGV[4])
local siteCurrent = (redis.call('GET', KEYS[1]) or '') == ARGV[5]
-- room context key -> its token (read once per call)
local tokens = {}
local out = {}
-- recent-buffer key -> its last-seq key and the highest seq appended by this call
local appended = {}
local order = {}
for m = 0, (#KEYS - 1) / 9 - 1 do
  local K = 1 + m * 9
  local A = 5 + m * 14
  local decisionKey = KEYS[K + 1]
  local function decide(json)
    redis.call('SET', decisionKey, json, 'EX', ttl)
    out[#out + 1] = 1
    out[#out + 1] = json
  end
  local contextKey = KEYS[K + 9]
  if tokens[contextKey] == nil then tokens[contextKey] = redis.call('GET', contextKey) or '' end
  local existing = redis.call('GET', decisionKey)
  if existing then
    out[#out + 1] = 0
    out[#out + 1] = existing
  elseif not siteCurrent or tokens[contextKey] ~= ARGV[A + 14] then
    out[#out + 1] = siteCurrent and 2 or 3
    out[#out + 1] = ''
  elseif ARGV[A + 1] ~= '' then
    decide(ARGV[A + 1])
  else
    local sentAt = tonumber(ARGV[A + 3])
    local slowMs = tonumber(ARGV[A + 5])
    local dupMs = tonumber(ARGV[A + 6])
    local floodMax = tonumber(ARGV[A + 7])
    local floodWindow = tonumber(ARGV[A + 8])
    local refused = nil
    if floodMax > 0 then
      redis.call('ZREMRANGEBYSCORE', KEYS[K + 5], '-inf', string.format('%.0f', sentAt - floodWindow))
      redis.call('ZADD', KEYS[K + 5], ARGV[A + 3], ARGV[A + 4])
      redis.call('PEXPIRE', KEYS[K + 5], floodWindow + 60000)
      if redis.call('ZCARD', KEYS[K + 5]) > floodMax then refused = ARGV[A + 9] end
    end
    if not refused and slowMs > 0 then
      local last = redis.call('GET', KEYS[K + 3])
      if last and sentAt - tonumber(last) < slowMs then refused = ARGV[A + 10] end
    end
    if not refused and dupMs > 0 then
      local prev = redis.call('GET', KEYS[K + 4])
      if prev and sentAt - tonumber(prev) < dupMs then refused = ARGV[A + 11] end
    end
    if refused then
      decide(refused)
    else
      local seq = redis.call('INCR', KEYS[K + 2])
      -- An idle room's counter and epoch expire together (MODERATION_ROOM_IDLE_TTL_SEC); the
      -- recent buffer and last seq get the same TTL when appended (RecentBufferRepository).
      redis.call('EXPIRE', KEYS[K + 2], idleTtl)
      -- The room's stream epoch: a counter that (re)starts at 1 starts a new epoch, and the
      -- recent buffer of the old one goes, so seqs never silently go back.
      local epoch = redis.call('GET', KEYS[K + 6])
      if seq == 1 or not epoch then
        epoch = freshEpoch
        redis.call('SET', KEYS[K + 6], epoch, 'EX', idleTtl)
        redis.call('DEL', KEYS[K + 7], KEYS[K + 8])
        if appended[KEYS[K + 7]] then appended[KEYS[K + 7]].seq = 0 end
      else
        redis.call('EXPIRE', KEYS[K + 6], idleTtl)
      end
      if slowMs > 0 then redis.call('SET', KEYS[K + 3], ARGV[A + 3], 'PX', slowMs + 60000) end
      if dupMs > 0 then redis.call('SET', KEYS[K + 4], ARGV[A + 3], 'PX', dupMs + 60000) end
      local seqText = string.format('%d', seq)
      -- Into the recent buffer, above whatever it holds (a seq never twice).
      local a = appended[KEYS[K + 7]]
      if not a then
        a = { lastKey = KEYS[K + 8], seq = tonumber(redis.call('GET', KEYS[K + 8]) or '0') }
        appended[KEYS[K + 7]] = a
      end
      if seq > a.seq then
        redis.call('ZADD', KEYS[K + 7], seq, ARGV[A + 12] .. seqText .. ARGV[A + 13])
        if not a.added then order[#order + 1] = KEYS[K + 7] end
        a.seq = seq
        a.added = true
      end
      decide('{"seq":' .. seqText .. ',"epoch":"' .. epoch .. '",' .. ARGV[A + 2])
    end
  end
end
-- Once per room: the buffer's last seq, its length and both keys' idle expiry.
for _, key in ipairs(order) do
  local a = appended[key]
  redis.call('SET', a.lastKey, string.format('%d', a.seq), 'EX', idleTtl)
  redis.call('ZREMRANGEBYRANK', key, 0, -keep - 1)
  redis.call('EXPIRE', key, idleTtl)
end
return out
`;

/** Messages per script call: small enough that one call never holds Redis for long (~ms). */
const PER_CALL = 100;
/** Script calls per round trip (one pipeline); the heartbeat runs between round trips. */
const CALLS_PER_ROUND_TRIP = 5;

@Injectable()
export class DecisionStoreRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(MODERATION_CONFIG) private readonly config: ModerationConfig,
  ) {
    this.redis.defineCommand('modDecideMany', { lua: DECIDE_MANY_LUA });
  }

  /**
   * Decides `requests` in order; `siteToken` is the site context token their static rules
   * saw. A request whose room or site context changed since comes back `{stale}`, undecided.
   */
  async record(
    requests: DecisionRequest[],
    siteToken: string,
    onChunk?: () => Promise<void>,
  ): Promise<RecordOutcome[]> {
    const out: RecordOutcome[] = [];
    const siteContext = modKeys.context(null);
    const ttl = String(this.config.MODERATION_DECISION_TTL_SEC);
    const idleTtl = String(this.config.MODERATION_ROOM_IDLE_TTL_SEC);
    const keep = String(this.config.MODERATION_RECENT_BUFFER);
    // Used only by a room whose seq counter starts (again) in this call: unique per call.
    const freshEpoch = newEpoch();
    const roundTrip = PER_CALL * CALLS_PER_ROUND_TRIP;
    for (let i = 0; i < requests.length; i += roundTrip) {
      const pipeline = this.redis.pipeline();
      for (let c = i; c < Math.min(i + roundTrip, requests.length); c += PER_CALL) {
        const chunk = requests.slice(c, Math.min(c + PER_CALL, i + roundTrip, requests.length));
        const keys: string[] = [siteContext];
        const args: string[] = [ttl, freshEpoch, idleTtl, keep, siteToken];
        const json = memoJson();
        for (const r of chunk) this.scriptCall(r, keys, args, json);
        pipeline.modDecideMany(keys.length, ...keys, ...args);
      }
      const results = (await pipeline.exec()) ?? [];
      for (const [err, value] of results) {
        // Any failure fails the whole batch; it is retried and the decided ones come back unchanged.
        if (err) throw err;
        const replies = value as (number | string)[];
        for (let k = 0; k < replies.length; k += 2) {
          const status = replies[k];
          if (status === 2 || status === 3) {
            out.push({ stale: status === 2 ? 'room' : 'site' });
            continue;
          }
          out.push({
            fresh: status === 1,
            decision: storedDecisionSchema.parse(JSON.parse(replies[k + 1] as string)),
          });
        }
      }
      await onChunk?.();
    }
    return out;
  }

  private scriptCall(r: DecisionRequest, keys: string[], args: string[], json: (v: object) => string): void {
    keys.push(
      modKeys.decision(r.id),
      modKeys.roomSeq(r.roomId),
      modKeys.lastAccepted(r.roomId, r.userId),
      modKeys.recentText(r.roomId, r.userId, r.textHash),
      modKeys.flood(r.roomId, r.userId),
      sharedRedisKeys.roomEpoch(r.roomId),
      sharedRedisKeys.roomRecent(r.roomId),
      sharedRedisKeys.roomLastSeq(r.roomId),
      modKeys.context(r.roomId),
    );
    args.push(
      r.rejectNow ? JSON.stringify(r.rejectNow) : '',
      JSON.stringify(r.ifAccepted).slice(1), // '{' is added by the script, before the seq
      String(r.sentAt),
      r.id,
      String(r.rules.slowModeMs),
      String(r.rules.duplicateWindowMs),
      String(r.rules.floodMax),
      String(r.rules.floodWindowMs),
      json(r.ifFlood),
      json(r.ifSlowMode),
      json(r.ifDuplicate),
      r.recent.head,
      r.recent.tail,
      r.contextToken,
    );
  }
}

/** A stream epoch: time-ordered and unique enough (ms + 48 random bits), JSON-safe. */
export function newEpoch(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

/** JSON.stringify that serializes an object shared by many requests (a room's rate answers) once. */
function memoJson(): (v: object) => string {
  const seen = new Map<object, string>();
  return (v) => {
    let s = seen.get(v);
    if (s === undefined) seen.set(v, (s = JSON.stringify(v)));
    return s;
  };
}
