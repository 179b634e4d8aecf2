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

/** What decisions read of one room, as of `token` (its `modKeys.context` value, '' if absent). */
export interface RoomState {
  token: string;
  settings: RoomSettings;
  live: LiveSession | null;
  lastEnded: EndedSessionView | null;
  termsVersion: string;
}

/** A sender's room sanctions (null: none stored). */
export interface UserSanctions {
  ban: SanctionView | null;
  mute: SanctionView | null;
}

export interface RoomRead extends RoomState {
  /** The sanctions of the users asked for, as of the same token. */
  users: Map<string, UserSanctions>;
}

/** What decisions read site-wide, as of `token`. */
export interface SiteRead {
  token: string;
  termsVersion: string;
  /** The site bans of the users asked for (null: none). */
  bans: Map<string, SanctionView | null>;
}

/**
 * Reads decision context from Redis: each scope's state together with its context token, in
 * one MULTI (so the token names exactly the state read with it) and one round trip for all
 * the rooms and the site. DecisionContextCache keeps what it reads.
 */
@Injectable()
export class DecisionContextRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /**
   * `rooms`: roomId → the users whose room sanctions to read; `siteUsers`: the users whose
   * site bans to read, or null to leave the site out.
   */
  async read(
    rooms: Map<string, string[]>,
    siteUsers: string[] | null,
  ): Promise<{ rooms: Map<string, RoomRead>; site: SiteRead | null }> {
    if (rooms.size === 0 && siteUsers === null) return { rooms: new Map(), site: null };
    const m = this.redis.multi();
    if (siteUsers !== null) {
      m.get(modKeys.context(null)).get(modKeys.termsVersion(null));
      if (siteUsers.length > 0) m.hmget(modKeys.bans(null), ...siteUsers);
    }
    for (const [roomId, users] of rooms) {
      m.get(modKeys.context(roomId))
        .get(sharedRedisKeys.roomSettings(roomId))
        .get(sharedRedisKeys.roomLive(roomId))
        .lindex(modKeys.sessions(roomId), 0)
        .get(modKeys.termsVersion(roomId));
      if (users.length > 0) m.hmget(modKeys.bans(roomId), ...users).hmget(modKeys.mutes(roomId), ...users);
    }
    const results = await execOrThrow(m);
    let i = 0;
    const next = () => results[i++];
    let site: SiteRead | null = null;
    if (siteUsers !== null) {
      site = {
        token: (next() as string | null) ?? '',
        termsVersion: (next() as string | null) ?? '0',
        bans: new Map(),
      };
      const raws = siteUsers.length > 0 ? (next() as (string | null)[]) : [];
      siteUsers.forEach((userId, k) => site?.bans.set(userId, sanction(raws[k])));
    }
    const out = new Map<string, RoomRead>();
    for (const [roomId, users] of rooms) {
      const room: RoomRead = {
        token: (next() as string | null) ?? '',
        settings: parseStored(storedSettingsSchema, next() as string | null) ?? DEFAULT_ROOM_SETTINGS,
        live: parseStored(storedLiveSchema, next() as string | null),
        lastEnded: parseStored(storedEndedSessionSchema, next() as string | null),
        termsVersion: (next() as string | null) ?? '0',
        users: new Map(),
      };
      if (users.length > 0) {
        const bans = next() as (string | null)[];
        const mutes = next() as (string | null)[];
        users.forEach((userId, k) =>
          room.users.set(userId, { ban: sanction(bans[k]), mute: sanction(mutes[k]) }),
        );
      }
      out.set(roomId, room);
    }
    return { rooms: out, site };
  }
}

function sanction(raw: string | null | undefined): SanctionView | null {
  return parseStored(storedSanctionSchema, raw ?? null);
}
