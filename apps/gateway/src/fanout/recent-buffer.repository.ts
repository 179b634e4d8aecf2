import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Danmaku } from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

const keys = {
  recent: (roomId: string) => `gw:room:{${roomId}}:recent`,
  lastSeq: (roomId: string) => `gw:room:{${roomId}}:last-seq`,
};

/**
 * Appends the danmaku whose seq is above the room's last broadcast seq, in one atomic
 * step, and returns their positions in ARGV. This is the broadcast de-duplication: Kafka
 * may deliver an accepted event twice (redelivery, rebalance), but only the first copy
 * passes, on whichever gateway instance sees it.
 * KEYS: recent zset, last-seq. ARGV: keep, then (seq, json) pairs in seq order.
 */
const APPEND_SCRIPT = `
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local keep = tonumber(ARGV[1])
local fresh = {}
for i = 2, #ARGV, 2 do
  local seq = tonumber(ARGV[i])
  if seq > last then
    redis.call('ZADD', KEYS[1], seq, ARGV[i + 1])
    last = seq
    fresh[#fresh + 1] = (i - 2) / 2
  end
end
if #fresh > 0 then
  redis.call('SET', KEYS[2], last)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -keep - 1)
end
return fresh
`;

export interface RecentWindow {
  items: Danmaku[];
  /** Lowest and highest seq the buffer holds (0 when empty). */
  oldestSeq: number;
  lastSeq: number;
}

/** Per-room recent-history buffer in Redis (the last N broadcast danmaku, by seq). */
@Injectable()
export class RecentBufferRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.redis.defineCommand('danmakuAppendRecent', { numberOfKeys: 2, lua: APPEND_SCRIPT });
  }

  /** Stores the items that were not broadcast yet and returns exactly those, in seq order. */
  async appendFresh(roomId: string, items: Danmaku[]): Promise<Danmaku[]> {
    const sorted = [...items].sort((a, b) => a.seq - b.seq);
    const argv: (string | number)[] = [this.config.GATEWAY_RECENT_BUFFER];
    for (const d of sorted) argv.push(d.seq, JSON.stringify(d));
    const cmd = (this.redis as unknown as Record<string, (...a: unknown[]) => Promise<number[]>>)['danmakuAppendRecent'];
    const fresh = await cmd.call(this.redis, keys.recent(roomId), keys.lastSeq(roomId), ...argv);
    return fresh.map((i) => sorted[i]);
  }

  /** The last `count` danmaku, or with `sinceSeq` every buffered one after it. */
  async window(roomId: string, opts: { count: number } | { sinceSeq: number }): Promise<RecentWindow> {
    const key = keys.recent(roomId);
    const pipe = this.redis.multi();
    if ('sinceSeq' in opts) pipe.zrangebyscore(key, `(${opts.sinceSeq}`, '+inf');
    else pipe.zrange(key, -opts.count, -1);
    pipe.zrange(key, 0, 0, 'WITHSCORES');
    pipe.get(keys.lastSeq(roomId));
    const res = await pipe.exec();
    if (!res) throw new Error('redis transaction aborted');
    const [[e1, members], [e2, oldest], [e3, last]] = res as [[Error | null, string[]], [Error | null, string[]], [Error | null, string | null]];
    const err = e1 ?? e2 ?? e3;
    if (err) throw err;
    return {
      items: members.map((m) => JSON.parse(m) as Danmaku),
      oldestSeq: oldest.length === 2 ? Number(oldest[1]) : 0,
      lastSeq: Number(last ?? 0),
    };
  }
}
