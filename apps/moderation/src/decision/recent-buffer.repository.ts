import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import { sharedRedisKeys, type Danmaku } from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';
import { MODERATION_CONFIG, type ModerationConfig } from '../config/moderation.config';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** KEYS: recent zset, last-seq. ARGV: keep, idle TTL (s), then (seq, json) pairs in seq order. */
    modAppendRecent(
      recentKey: string,
      lastSeqKey: string,
      ...args: (string | number)[]
    ): Result<number, Context>;
  }
}

/**
 * Appends what is above the room's last appended seq and trims to `keep`; a redelivered
 * decision (same seq) is a no-op, so the buffer never holds a seq twice. Both keys expire after
 * MODERATION_ROOM_IDLE_TTL_SEC without an append, like the room's seq and epoch (set in the
 * same script call: no extra round trip).
 */
const APPEND_LUA = `
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local keep = tonumber(ARGV[1])
local idleTtl = tonumber(ARGV[2])
local added = 0
for i = 3, #ARGV, 2 do
  local seq = tonumber(ARGV[i])
  if seq > last then
    redis.call('ZADD', KEYS[1], seq, ARGV[i + 1])
    last = seq
    added = added + 1
  end
end
if added > 0 then
  redis.call('SET', KEYS[2], last, 'EX', idleTtl)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -keep - 1)
  redis.call('EXPIRE', KEYS[1], idleTtl)
end
return added
`;

/**
 * Each room's recent-history buffer, written where `seq` is assigned. Appending before the
 * decisions are published means a gateway that receives a danmaku can always find it here
 * too, and the buffer does not depend on which gateway broadcast what. A fresh decision is
 * appended by the decision script itself (DecisionStoreRepository, same rule: above the last
 * seq only, trimmed, idle expiry); this appends the redelivered ones, with their stored seq.
 */
@Injectable()
export class RecentBufferRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(MODERATION_CONFIG) private readonly config: ModerationConfig,
  ) {
    this.redis.defineCommand('modAppendRecent', { numberOfKeys: 2, lua: APPEND_LUA });
  }

  /** One round trip for the whole batch, whatever the number of rooms in it. */
  async append(items: Danmaku[]): Promise<void> {
    if (items.length === 0) return;
    const byRoom = new Map<string, Danmaku[]>();
    for (const d of items) {
      const list = byRoom.get(d.roomId);
      if (list) list.push(d);
      else byRoom.set(d.roomId, [d]);
    }
    const pipeline = this.redis.pipeline();
    for (const [roomId, list] of byRoom) {
      list.sort((a, b) => a.seq - b.seq);
      const args: (string | number)[] = [
        this.config.MODERATION_RECENT_BUFFER,
        this.config.MODERATION_ROOM_IDLE_TTL_SEC,
      ];
      for (const d of list) args.push(d.seq, JSON.stringify(d));
      pipeline.modAppendRecent(
        sharedRedisKeys.roomRecent(roomId),
        sharedRedisKeys.roomLastSeq(roomId),
        ...args,
      );
    }
    const results = (await pipeline.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
  }
}
