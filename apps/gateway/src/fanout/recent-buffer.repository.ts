import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { sharedRedisKeys, type Danmaku } from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';

export interface RecentWindow {
  items: Danmaku[];
  /** Lowest and highest seq the buffer holds (0 when empty). */
  oldestSeq: number;
  lastSeq: number;
  /** The room's stream epoch ('' when it has none yet). */
  epoch: string;
}

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
    const key = sharedRedisKeys.roomRecent(roomId);
    const max = opts.upTo == null ? '+inf' : String(opts.upTo);
    const pipe = this.redis.multi();
    if ('sinceSeq' in opts) pipe.zrangebyscore(key, `(${opts.sinceSeq}`, max);
    else pipe.zrevrangebyscore(key, max, '-inf', 'LIMIT', 0, opts.count);
    pipe.zrange(key, 0, 0, 'WITHSCORES');
    pipe.get(sharedRedisKeys.roomLastSeq(roomId));
    pipe.get(sharedRedisKeys.roomEpoch(roomId));
    const res = await pipe.exec();
    if (!res) throw new Error('redis transaction aborted');
    const [[e1, members], [e2, oldest], [e3, last], [e4, epoch]] = res as [
      [Error | null, string[]],
      [Error | null, string[]],
      [Error | null, string | null],
      [Error | null, string | null],
    ];
    const err = e1 ?? e2 ?? e3 ?? e4;
    if (err) throw err;
    if (!('sinceSeq' in opts)) members.reverse();
    return {
      items: members.map((m) => JSON.parse(m) as Danmaku),
      oldestSeq: oldest.length === 2 ? Number(oldest[1]) : 0,
      lastSeq: Number(last ?? 0),
      epoch: epoch ?? '',
    };
  }
}
