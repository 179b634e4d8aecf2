import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import { REDIS } from '@danmaku/platform';
import { modKeys } from '../common/moderation-keys';
import { MODERATION_CONFIG, type ModerationConfig } from '../config/moderation.config';
import { storedDecisionSchema, type DecisionRequest, type RecordedDecision } from './decision.types';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    modDecide(
      decisionKey: string,
      seqKey: string,
      lastAcceptedKey: string,
      recentTextKey: string,
      floodKey: string,
      ...args: string[]
    ): Result<[number, string], Context>;
  }
}

/**
 * Decides one submission atomically: an earlier decision wins (redelivery keeps its seq);
 * else a static rejection is stored as is; else the rate rules run against the sender's
 * recent history and, if they pass, the room's seq is incremented. Accepted seqs are
 * therefore contiguous, and a crash between this script and the Kafka publish only
 * means the stored decision is published again.
 *
 * Returns {fresh (1|0), decision JSON}. The accepted JSON is assembled by concatenation
 * so the seq (an integer) never goes through Lua's float formatting of big numbers.
 */
const DECIDE_LUA = `
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
local ttl = tonumber(ARGV[1])
local function decide(json)
  redis.call('SET', KEYS[1], json, 'EX', ttl)
  return {1, json}
end
if ARGV[2] ~= '' then return decide(ARGV[2]) end
local sentAt = tonumber(ARGV[4])
local slowMs = tonumber(ARGV[6])
local dupMs = tonumber(ARGV[7])
local floodMax = tonumber(ARGV[8])
local floodWindow = tonumber(ARGV[9])
if floodMax > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', string.format('%.0f', sentAt - floodWindow))
  redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5])
  redis.call('PEXPIRE', KEYS[5], floodWindow + 60000)
  if redis.call('ZCARD', KEYS[5]) > floodMax then return decide(ARGV[10]) end
end
if slowMs > 0 then
  local last = redis.call('GET', KEYS[3])
  if last and sentAt - tonumber(last) < slowMs then return decide(ARGV[11]) end
end
if dupMs > 0 then
  local prev = redis.call('GET', KEYS[4])
  if prev and sentAt - tonumber(prev) < dupMs then return decide(ARGV[12]) end
end
local seq = redis.call('INCR', KEYS[2])
if slowMs > 0 then redis.call('SET', KEYS[3], ARGV[4], 'PX', slowMs + 60000) end
if dupMs > 0 then redis.call('SET', KEYS[4], ARGV[4], 'PX', dupMs + 60000) end
return decide('{"seq":' .. string.format('%d', seq) .. ',' .. ARGV[3])
`;

/** Runs a batch's scripts in one pipeline per chunk: Redis executes them in order, one at a time. */
const CHUNK = 500;

@Injectable()
export class DecisionStoreRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(MODERATION_CONFIG) private readonly config: ModerationConfig,
  ) {
    this.redis.defineCommand('modDecide', { numberOfKeys: 5, lua: DECIDE_LUA });
  }

  async record(requests: DecisionRequest[], onChunk?: () => Promise<void>): Promise<RecordedDecision[]> {
    const out: RecordedDecision[] = [];
    for (let i = 0; i < requests.length; i += CHUNK) {
      const pipeline = this.redis.pipeline();
      for (const r of requests.slice(i, i + CHUNK)) pipeline.modDecide(...this.scriptCall(r));
      const results = (await pipeline.exec()) ?? [];
      for (const [err, value] of results) {
        // Any failure fails the whole batch; it is retried and the decided ones come back unchanged.
        if (err) throw err;
        const [fresh, json] = value as [number, string];
        out.push({ fresh: fresh === 1, decision: storedDecisionSchema.parse(JSON.parse(json)) });
      }
      await onChunk?.();
    }
    return out;
  }

  private scriptCall(r: DecisionRequest): [string, string, string, string, string, ...string[]] {
    const accepted = JSON.stringify(r.ifAccepted);
    return [
      modKeys.decision(r.id),
      modKeys.roomSeq(r.roomId),
      modKeys.lastAccepted(r.roomId, r.userId),
      modKeys.recentText(r.roomId, r.userId, r.textHash),
      modKeys.flood(r.roomId, r.userId),
      String(this.config.MODERATION_DECISION_TTL_SEC),
      r.rejectNow ? JSON.stringify(r.rejectNow) : '',
      accepted.slice(1), // '{' is added by the script, before the seq
      String(r.sentAt),
      r.id,
      String(r.rules.slowModeMs),
      String(r.rules.duplicateWindowMs),
      String(r.rules.floodMax),
      String(r.rules.floodWindowMs),
      JSON.stringify(r.ifFlood),
      JSON.stringify(r.ifSlowMode),
      JSON.stringify(r.ifDuplicate),
    ];
  }
}
