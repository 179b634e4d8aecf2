import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import { sanctionInForce, sharedRedisKeys, type SanctionView, type SharedSanction } from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';
import { newContextToken } from '../common/context-token';
import { modKeys } from '../common/moderation-keys';
import { parseStored } from '../common/redis-json';
import { execOrThrow } from '../common/redis-pipeline';
import { storedSanctionSchema } from '../common/stored-shapes';

export type SanctionKind = 'ban' | 'mute';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    modDropStaleSanctions(
      privateKey: string,
      sharedKey: string,
      ...userIdsThenSeen: string[]
    ): Result<number, Context>;
  }
}

/** The private hash (full records) and the shared one (`{until}` for gateways) of a kind and scope. */
function keysOf(kind: SanctionKind, roomId: string | null): { own: string; shared: string } {
  if (kind === 'ban') {
    return {
      own: modKeys.bans(roomId),
      shared: roomId === null ? sharedRedisKeys.siteBans() : sharedRedisKeys.roomBans(roomId),
    };
  }
  if (roomId === null) throw new Error('mutes are per room');
  return { own: modKeys.mutes(roomId), shared: sharedRedisKeys.roomMutes(roomId) };
}

// Drops expired entries from both hashes unless they were replaced meanwhile (a new ban of
// the same user): ARGV = n userIds, then the n values the caller saw.
const DROP_STALE_LUA = `
local n = #ARGV / 2
local dropped = 0
for i = 1, n do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[n + i] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
    dropped = dropped + 1
  end
end
return dropped
`;

/**
 * Bans and mutes, one hash per room (and one for site-wide bans): userId → JSON SanctionView,
 * private to moderation. Each write also lands, in the same MULTI, in the shared hash the
 * gateways read (`sharedRedisKeys.roomBans/siteBans/roomMutes`, userId → `{until}`), so a
 * gateway refuses a banned user's join and a muted user's send without asking moderation.
 * Expired entries are ignored by every reader and dropped (from both) when a list meets them.
 * Every put and remove also replaces the scope's context token (decisions cache sanctions
 * under it); dropping an expired entry does not, as no decision can tell it from absent.
 */
@Injectable()
export class SanctionsRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {
    this.redis.defineCommand('modDropStaleSanctions', { numberOfKeys: 2, lua: DROP_STALE_LUA });
  }

  async put(kind: SanctionKind, s: SanctionView): Promise<void> {
    const { own, shared } = keysOf(kind, s.roomId);
    const view: SharedSanction = { until: s.until };
    await execOrThrow(
      this.redis
        .multi()
        .hset(own, s.userId, JSON.stringify(s))
        .hset(shared, s.userId, JSON.stringify(view))
        .set(modKeys.context(s.roomId), newContextToken()),
    );
  }

  /** The removed entry, or null if there was none. */
  async remove(kind: SanctionKind, roomId: string | null, userId: string): Promise<SanctionView | null> {
    const { own, shared } = keysOf(kind, roomId);
    const [raw] = await execOrThrow(
      this.redis
        .multi()
        .hget(own, userId)
        .hdel(own, userId)
        .hdel(shared, userId)
        .set(modKeys.context(roomId), newContextToken()),
    );
    return parseStored(storedSanctionSchema, raw as string | null);
  }

  /** Entries in force at `now`, oldest first. */
  async listActive(kind: SanctionKind, roomId: string | null, now: number): Promise<SanctionView[]> {
    const { own, shared } = keysOf(kind, roomId);
    const all = await this.redis.hgetall(own);
    const active: SanctionView[] = [];
    const expired: string[] = [];
    for (const [userId, raw] of Object.entries(all)) {
      const s = parseStored(storedSanctionSchema, raw);
      if (s && sanctionInForce(s, now)) active.push(s);
      else expired.push(userId);
    }
    if (expired.length > 0)
      await this.redis.modDropStaleSanctions(own, shared, ...expired, ...expired.map((u) => all[u]));
    return active.sort((a, b) => a.createdAt - b.createdAt || a.userId.localeCompare(b.userId));
  }
}
