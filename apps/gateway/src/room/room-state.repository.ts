import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import {
  DEFAULT_ROOM_SETTINGS,
  liveSessionSchema,
  roomSettingsSchema,
  sharedRedisKeys,
  type LiveSession,
  type RoomSettings,
} from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/**
 * Reads the room read-model moderation writes (settings), cached so a busy room does not
 * hit Redis on every message: a settings change reaches every gateway from Kafka and drops
 * the cached copy at once (room-events consumer), so the cache's lifetime only bounds how
 * long a missed change could linger. Concurrent misses of one room share one GET. The
 * authoritative checks happen in moderation; the cache only lets the gateway refuse early.
 */
@Injectable()
export class RoomStateRepository {
  private readonly cache = new Map<string, { settings: Promise<RoomSettings>; at: number }>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  settings(roomId: string): Promise<RoomSettings> {
    const now = Date.now();
    const hit = this.cache.get(roomId);
    if (hit && now - hit.at < this.config.GATEWAY_SETTINGS_CACHE_MS) return hit.settings;
    const entry = {
      at: now,
      settings: this.redis
        .get(sharedRedisKeys.roomSettings(roomId))
        .then((raw) => parseJson(raw, roomSettingsSchema) ?? DEFAULT_ROOM_SETTINGS),
    };
    // A failed read is not cached (the next send tries again).
    entry.settings.catch(() => {
      if (this.cache.get(roomId) === entry) this.cache.delete(roomId);
    });
    this.cache.set(roomId, entry);
    if (this.cache.size > 50_000) this.cache.delete(this.cache.keys().next().value as string);
    return entry.settings;
  }

  /** Takes the settings a `settings.updated` event carries (moderation wrote them first). */
  remember(roomId: string, settings: RoomSettings): void {
    this.cache.delete(roomId);
    this.cache.set(roomId, { settings: Promise.resolve(settings), at: Date.now() });
  }

  async live(roomId: string): Promise<LiveSession | null> {
    return parseJson(await this.redis.get(sharedRedisKeys.roomLive(roomId)), liveSessionSchema);
  }
}

function parseJson<T>(
  raw: string | null,
  schema: { safeParse(v: unknown): { success: boolean; data?: T } },
): T | null {
  if (!raw) return null;
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? (r.data as T) : null;
  } catch {
    return null;
  }
}
