import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { SanctionView } from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';
import { modKeys } from '../common/moderation-keys';
import { parseStored } from '../common/redis-json';
import { execOrThrow } from '../common/redis-pipeline';
import { storedSanctionSchema } from '../common/stored-shapes';

export type SanctionKind = 'ban' | 'mute';

function keyOf(kind: SanctionKind, roomId: string | null): string {
  if (kind === 'ban') return modKeys.bans(roomId);
  if (roomId === null) throw new Error('mutes are per room');
  return modKeys.mutes(roomId);
}

/**
 * Bans and mutes, one hash per room (and one for site-wide bans): userId → JSON SanctionView.
 * Expired entries are ignored by every reader and dropped when a list meets them.
 */
@Injectable()
export class SanctionsRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async put(kind: SanctionKind, s: SanctionView): Promise<void> {
    await this.redis.hset(keyOf(kind, s.roomId), s.userId, JSON.stringify(s));
  }

  /** The removed entry, or null if there was none. */
  async remove(kind: SanctionKind, roomId: string | null, userId: string): Promise<SanctionView | null> {
    const key = keyOf(kind, roomId);
    const [raw] = await execOrThrow(this.redis.multi().hget(key, userId).hdel(key, userId));
    return parseStored(storedSanctionSchema, raw as string | null);
  }

  /** Entries in force at `now`, oldest first. */
  async listActive(kind: SanctionKind, roomId: string | null, now: number): Promise<SanctionView[]> {
    const key = keyOf(kind, roomId);
    const all = await this.redis.hgetall(key);
    const active: SanctionView[] = [];
    const expired: string[] = [];
    for (const [userId, raw] of Object.entries(all)) {
      const s = parseStored(storedSanctionSchema, raw);
      if (s && (s.until === null || s.until > now)) active.push(s);
      else expired.push(userId);
    }
    if (expired.length > 0) await this.dropIfUnchanged(key, expired, all);
    return active.sort((a, b) => a.createdAt - b.createdAt || a.userId.localeCompare(b.userId));
  }

  /** Drops expired entries unless they were replaced meanwhile (a new ban of the same user). */
  private async dropIfUnchanged(key: string, userIds: string[], seen: Record<string, string>): Promise<void> {
    const current = await this.redis.hmget(key, ...userIds);
    const stale = userIds.filter((u, i) => current[i] === seen[u]);
    if (stale.length > 0) await this.redis.hdel(key, ...stale);
  }
}
