import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { sharedRedisKeys, type Danmaku } from '@danmaku/contracts';
import { REDIS, turnPipeline } from '@danmaku/platform';

export interface RecentWindow {
  items: Danmaku[];
  /** Lowest and highest seq the buffer holds (0 when empty). */
  oldestSeq: number;
  lastSeq: number;
  /** The room's stream epoch ('' when it has none yet). */
  epoch: string;
}

/**
 * The window, the buffer's oldest seq, its last seq and the stream epoch in one atomic read
 * (one script: a consistent view, as MULTI gave, but one command that many joins of one
 * event-loop turn can share a pipeline with). KEYS: recent zset, last seq, epoch; ARGV:
 * 'since' | 'count', sinceSeq or count, highest score. Run as EVALSHA_RO (Redis 7): the
 * gateway may only read the rooms' keys, and a plain EVAL counts as a write.
 */
const WINDOW_LUA = `
local items
if ARGV[1] == 'since' then
  items = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], ARGV[3])
else
  items = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[3], '-inf', 'LIMIT', 0, tonumber(ARGV[2]))
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { items, oldest[2] or '0', redis.call('GET', KEYS[2]) or '0', redis.call('GET', KEYS[3]) or '' }
`;
const WINDOW_SHA = createHash('sha1').update(WINDOW_LUA).digest('hex');

/**
 * Reads a room's recent-history buffer (the last accepted danmaku by seq). Moderation
 * writes it before publishing, so it may run ahead of what this instance has broadcast:
 * `upTo` cuts it at this instance's broadcast mark, and what lies above reaches the
 * joining socket live instead (never both, never neither).
 */
@Injectable()
export class RecentBufferRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** The last `count` danmaku, or with `sinceSeq` every buffered one after it; none above `upTo`. */
  async window(
    roomId: string,
    opts: ({ count: number } | { sinceSeq: number }) & { upTo?: number | null },
  ): Promise<RecentWindow> {
    const since = 'sinceSeq' in opts;
    const args = [
      3,
      sharedRedisKeys.roomRecent(roomId),
      sharedRedisKeys.roomLastSeq(roomId),
      sharedRedisKeys.roomEpoch(roomId),
      since ? 'since' : 'count',
      String(since ? opts.sinceSeq : opts.count),
      opts.upTo == null ? '+inf' : String(opts.upTo),
    ];
    // Shared with the other joins of this turn: one write to Redis for a whole join burst.
    let [[err, reply]] = await turnPipeline(this.redis, (p) => p.call('evalsha_ro', WINDOW_SHA, ...args));
    // Not in Redis' script cache yet (or any more, after a restart): send it once whole.
    if (err?.message.startsWith('NOSCRIPT'))
      [err, reply] = [null, await this.redis.call('eval_ro', WINDOW_LUA, ...args)];
    if (err) throw err;
    const [members, oldest, last, epoch] = reply as [string[], string, string, string];
    if (!since) members.reverse();
    return {
      items: members.map((m) => JSON.parse(m) as Danmaku),
      oldestSeq: Number(oldest),
      lastSeq: Number(last),
      epoch,
    };
  }
}
