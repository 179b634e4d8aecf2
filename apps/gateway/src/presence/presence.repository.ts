import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS, turnPipeline } from '@danmaku/platform';

const INSTANCES = 'gw:instances';
const onlineKey = (roomId: string) => `gw:online:{${roomId}}`;

/**
 * Online counts across instances without asking every instance (no fetchSockets):
 * each instance writes its own local count per room into a hash field and heartbeats;
 * a room's total is the sum over instances whose heartbeat is fresh. Nothing here outlives
 * its use: room hashes expire, every heartbeat prunes instances whose own heartbeat is stale
 * (a crashed instance leaves `gw:instances` by itself) and gives the set a TTL, so it goes
 * too when every instance is gone.
 */
@Injectable()
export class PresenceRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async heartbeat(instanceId: string, now: number, staleAfterMs: number): Promise<void> {
    const res = await this.redis
      .pipeline()
      .zadd(INSTANCES, now, instanceId)
      .zremrangebyscore(INSTANCES, '-inf', `(${now - staleAfterMs}`)
      .pexpire(INSTANCES, staleAfterMs)
      .exec();
    const err = res?.find(([e]) => e)?.[0];
    if (err) throw err;
  }

  async writeLocalCounts(instanceId: string, counts: Map<string, number>, ttlSec: number): Promise<void> {
    if (counts.size === 0) return;
    const pipe = this.redis.pipeline();
    for (const [roomId, n] of counts) {
      if (n > 0) pipe.hset(onlineKey(roomId), instanceId, n).expire(onlineKey(roomId), ttlSec);
      else pipe.hdel(onlineKey(roomId), instanceId);
    }
    await pipe.exec();
  }

  /**
   * One round trip on join/leave: heartbeat, this instance's count for the room, and the
   * room's total over live instances.
   */
  async updateAndTotal(
    instanceId: string,
    roomId: string,
    localCount: number,
    now: number,
    aliveSince: number,
    ttlSec: number,
  ): Promise<number> {
    // Shared with the other joins and leaves of this turn (see turnPipeline).
    const res = await turnPipeline(this.redis, (pipe) => {
      pipe.zadd(INSTANCES, now, instanceId);
      if (localCount > 0)
        pipe.hset(onlineKey(roomId), instanceId, localCount).expire(onlineKey(roomId), ttlSec);
      else pipe.hdel(onlineKey(roomId), instanceId);
      pipe.zrangebyscore(INSTANCES, aliveSince, '+inf').hgetall(onlineKey(roomId));
    });
    const err = res.find(([e]) => e)?.[0];
    if (err) throw err;
    const fields = res[res.length - 1][1] as Record<string, string>;
    return sumAlive(fields, new Set(res[res.length - 2][1] as string[]));
  }

  async removeInstance(instanceId: string, roomIds: string[]): Promise<void> {
    const pipe = this.redis.pipeline().zrem(INSTANCES, instanceId);
    for (const roomId of roomIds) pipe.hdel(onlineKey(roomId), instanceId);
    await pipe.exec();
  }

  /** Totals for the rooms, counting only instances seen since `aliveSince`. */
  async totals(roomIds: string[], aliveSince: number): Promise<Map<string, number>> {
    const pipe = this.redis.pipeline().zrangebyscore(INSTANCES, aliveSince, '+inf');
    for (const roomId of roomIds) pipe.hgetall(onlineKey(roomId));
    const res = (await pipe.exec()) ?? [];
    const alive = new Set((res[0]?.[1] as string[] | undefined) ?? []);
    const totals = new Map<string, number>();
    roomIds.forEach((roomId, i) => {
      totals.set(roomId, sumAlive((res[i + 1]?.[1] as Record<string, string> | undefined) ?? {}, alive));
    });
    return totals;
  }
}

function sumAlive(fields: Record<string, string>, alive: Set<string>): number {
  let sum = 0;
  for (const [instance, n] of Object.entries(fields)) if (alive.has(instance)) sum += Number(n);
  return sum;
}
