import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import type Redis from 'ioredis';
import {
  sanctionsInForce,
  sharedRedisKeys,
  sharedSanctionSchema,
  type SanctionsInForce,
  type SharedSanction,
} from '@danmaku/contracts';
import { REDIS, turnPipeline } from '@danmaku/platform';

/** What is in force on a user (the shared policy's shape). */
export type UserSanctions = SanctionsInForce;

/**
 * Reads the bans and mutes moderation publishes in the shared read model, so the gateway
 * can refuse a banned user's join and a muted user's send at once. Moderation still
 * decides authoritatively on every message.
 */
@Injectable()
export class SanctionsRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async of(roomId: string, userId: string, now = Date.now()): Promise<UserSanctions> {
    // Shared with the other callers of this turn (a join storm reads thousands at once).
    const res = await turnPipeline(this.redis, (p) => SanctionsRepository.queue(p, roomId, userId));
    // A read that failed says nothing about the user: fail closed (the join answers
    // UNAVAILABLE, retry later) rather than let a banned user in, as the send gate does.
    for (const [err] of res) if (err) throw err;
    return SanctionsRepository.read(
      res.map(([, v]) => v as string | null),
      now,
    );
  }

  /** Adds the three reads to a pipeline (so a caller can share one round trip). */
  static queue(pipeline: ChainableCommander, roomId: string, userId: string): void {
    pipeline
      .hget(sharedRedisKeys.roomBans(roomId), userId)
      .hget(sharedRedisKeys.siteBans(), userId)
      .hget(sharedRedisKeys.roomMutes(roomId), userId);
  }

  /** What is in force, from the replies of `queue` (room ban, site ban, mute). */
  static read([roomBanRaw, siteBanRaw, muteRaw]: (string | null)[], now: number): UserSanctions {
    return sanctionsInForce([parse(roomBanRaw), parse(siteBanRaw)], parse(muteRaw), now);
  }
}

function parse(raw: string | null): SharedSanction | null {
  if (!raw) return null;
  try {
    const r = sharedSanctionSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
