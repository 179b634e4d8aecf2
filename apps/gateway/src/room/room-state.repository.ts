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
 * Reads the room read-model moderation writes (settings), with a short cache so a
 * busy room does not hit Redis on every message. The authoritative checks happen in
 * moderation; the cache only lets the gateway refuse early.
 */
@Injectable()
export class RoomStateRepository {
  private readonly cache = new Map<string, { settings: RoomSettings; at: number }>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async settings(roomId: string): Promise<RoomSettings> {
    const hit = this.cache.get(roomId);
    if (hit && Date.now() - hit.at < this.config.GATEWAY_SETTINGS_CACHE_MS) return hit.settings;
    const raw = await this.redis.get(sharedRedisKeys.roomSettings(roomId));
    const settings = parseJson(raw, roomSettingsSchema) ?? DEFAULT_ROOM_SETTINGS;
    this.cache.set(roomId, { settings, at: Date.now() });
    if (this.cache.size > 50_000) this.cache.delete(this.cache.keys().next().value as string);
    return settings;
  }

  /** Drops the cached copy (a settings change arrived). */
  forget(roomId: string): void {
    this.cache.delete(roomId);
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
