import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import {
  DEFAULT_ROOM_SETTINGS,
  sharedRedisKeys,
  type EndedSessionView,
  type LiveSession,
  type RoomSettings,
  type SanctionView,
} from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';
import { modKeys } from '../common/moderation-keys';
import { parseStored } from '../common/redis-json';
import { execOrThrow } from '../common/redis-pipeline';
import {
  storedEndedSessionSchema,
  storedLiveSchema,
  storedSanctionSchema,
  storedSettingsSchema,
} from '../common/stored-shapes';

export interface RoomSnapshot {
  settings: RoomSettings;
  live: LiveSession | null;
  lastEnded: EndedSessionView | null;
  termsVersion: string;
  bans: Map<string, SanctionView>;
  mutes: Map<string, SanctionView>;
}

export interface BatchSnapshot {
  rooms: Map<string, RoomSnapshot>;
  siteBans: Map<string, SanctionView>;
  siteTermsVersion: string;
}

/** Reads what a batch of decisions needs in one round trip. */
@Injectable()
export class DecisionContextRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** `senders`: the userIds that submitted, per room. */
  async snapshot(senders: Map<string, string[]>): Promise<BatchSnapshot> {
    const p = this.redis.pipeline();
    const allUsers = [...new Set([...senders.values()].flat())];
    p.get(modKeys.termsVersion(null));
    p.hmget(modKeys.bans(null), ...allUsers);
    const rooms = [...senders.keys()];
    for (const roomId of rooms) {
      const users = senders.get(roomId) ?? [];
      p.get(sharedRedisKeys.roomSettings(roomId));
      p.get(sharedRedisKeys.roomLive(roomId));
      p.lindex(modKeys.sessions(roomId), 0);
      p.get(modKeys.termsVersion(roomId));
      p.hmget(modKeys.bans(roomId), ...users);
      p.hmget(modKeys.mutes(roomId), ...users);
    }
    const results = await execOrThrow(p);
    let i = 0;
    const next = () => results[i++];
    const siteTermsVersion = (next() as string | null) ?? '0';
    const siteBans = sanctionsByUser(allUsers, next() as (string | null)[]);
    const out = new Map<string, RoomSnapshot>();
    for (const roomId of rooms) {
      const users = senders.get(roomId) ?? [];
      out.set(roomId, {
        settings: parseStored(storedSettingsSchema, next() as string | null) ?? DEFAULT_ROOM_SETTINGS,
        live: parseStored(storedLiveSchema, next() as string | null),
        lastEnded: parseStored(storedEndedSessionSchema, next() as string | null),
        termsVersion: (next() as string | null) ?? '0',
        bans: sanctionsByUser(users, next() as (string | null)[]),
        mutes: sanctionsByUser(users, next() as (string | null)[]),
      });
    }
    return { rooms: out, siteBans, siteTermsVersion };
  }
}

function sanctionsByUser(users: string[], raws: (string | null)[]): Map<string, SanctionView> {
  const map = new Map<string, SanctionView>();
  users.forEach((userId, idx) => {
    const s = parseStored(storedSanctionSchema, raws[idx]);
    if (s) map.set(userId, s);
  });
  return map;
}
