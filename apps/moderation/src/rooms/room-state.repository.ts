import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import {
  DEFAULT_ROOM_SETTINGS,
  sharedRedisKeys,
  type EndedSessionView,
  type LiveSession,
  type RoomSettings,
  type RoomSettingsPatch,
} from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';
import { newContextToken } from '../common/context-token';
import { modKeys } from '../common/moderation-keys';
import { parseStored } from '../common/redis-json';
import { execOrThrow } from '../common/redis-pipeline';
import { storedEndedSessionSchema, storedLiveSchema, storedSettingsSchema } from '../common/stored-shapes';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    modPatchSettings(
      settingsKey: string,
      contextKey: string,
      defaults: string,
      patch: string,
      token: string,
    ): Result<string, Context>;
    modStartSession(
      liveKey: string,
      contextKey: string,
      live: string,
      token: string,
    ): Result<number, Context>;
    modEndSession(
      liveKey: string,
      sessionsKey: string,
      contextKey: string,
      endedAt: string,
      token: string,
    ): Result<[string, string] | null, Context>;
    modUndoEndSession(
      liveKey: string,
      sessionsKey: string,
      contextKey: string,
      live: string,
      ended: string,
      token: string,
    ): Result<number, Context>;
    modReleaseSession(
      liveKey: string,
      contextKey: string,
      live: string,
      token: string,
    ): Result<number, Context>;
  }
}

/** Ended sessions kept per room (the replay app keeps the full history). */
const MAX_ENDED_SESSIONS = 1000;

// Every script below that changes what a decision reads also replaces the room's context
// token (KEYS: …, context key; last ARGV: the new token), in the same atomic step.

// Merges in Redis so two concurrent PATCHes of different fields both land.
// (Settings are small integers and booleans, which cjson round-trips exactly.)
const PATCH_SETTINGS_LUA = `
local s = cjson.decode(ARGV[1])
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, cur = pcall(cjson.decode, raw)
  if ok and type(cur) == 'table' then
    for k, v in pairs(cur) do if s[k] ~= nil and type(v) == type(s[k]) then s[k] = v end end
  end
end
for k, v in pairs(cjson.decode(ARGV[2])) do s[k] = v end
local out = cjson.encode(s)
redis.call('SET', KEYS[1], out)
redis.call('SET', KEYS[2], ARGV[3])
return out
`;
const START_SESSION_LUA = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;
// Moves the live session to the ended list. The ended JSON is the live JSON plus endedAt,
// built by string so the epoch numbers never pass through Lua floats.
const END_SESSION_LUA = `
local live = redis.call('GET', KEYS[1])
if not live then return false end
-- Another instance's clock may be behind the start: a session never ends before it began.
local endedAt = ARGV[1]
local ok, cur = pcall(cjson.decode, live)
if ok and type(cur) == 'table' and type(cur.startedAt) == 'number' and cur.startedAt > tonumber(endedAt) then
  endedAt = string.format('%.0f', cur.startedAt)
end
local ended = string.sub(live, 1, -2) .. ',"endedAt":' .. endedAt .. '}'
redis.call('DEL', KEYS[1])
redis.call('LPUSH', KEYS[2], ended)
redis.call('LTRIM', KEYS[2], 0, ${MAX_ENDED_SESSIONS - 1})
redis.call('SET', KEYS[3], ARGV[2])
return {live, ended}
`;
const UNDO_END_SESSION_LUA = `
redis.call('LREM', KEYS[2], 1, ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
return redis.call('SET', KEYS[1], ARGV[1], 'NX') and 1 or 0
`;
const RELEASE_SESSION_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return redis.call('DEL', KEYS[1])
`;

/**
 * A room's settings and live session (shared keys other apps read; moderation is their
 * only writer) and its ended sessions.
 */
@Injectable()
export class RoomStateRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {
    this.redis.defineCommand('modPatchSettings', { numberOfKeys: 2, lua: PATCH_SETTINGS_LUA });
    this.redis.defineCommand('modStartSession', { numberOfKeys: 2, lua: START_SESSION_LUA });
    this.redis.defineCommand('modEndSession', { numberOfKeys: 3, lua: END_SESSION_LUA });
    this.redis.defineCommand('modUndoEndSession', { numberOfKeys: 3, lua: UNDO_END_SESSION_LUA });
    this.redis.defineCommand('modReleaseSession', { numberOfKeys: 2, lua: RELEASE_SESSION_LUA });
  }

  async snapshot(
    roomId: string,
  ): Promise<{ settings: RoomSettings; live: LiveSession | null; moderators: string[] }> {
    const [settings, live, moderators] = await execOrThrow(
      this.redis
        .pipeline()
        .get(sharedRedisKeys.roomSettings(roomId))
        .get(sharedRedisKeys.roomLive(roomId))
        .smembers(modKeys.moderators(roomId)),
    );
    return {
      settings: parseStored(storedSettingsSchema, settings as string | null) ?? DEFAULT_ROOM_SETTINGS,
      live: parseStored(storedLiveSchema, live as string | null),
      moderators: (moderators as string[]).sort(),
    };
  }

  /** Applies a patch over the stored settings (or the defaults) and returns the result. */
  async patchSettings(roomId: string, patch: RoomSettingsPatch): Promise<RoomSettings> {
    const out = await this.redis.modPatchSettings(
      sharedRedisKeys.roomSettings(roomId),
      modKeys.context(roomId),
      JSON.stringify(DEFAULT_ROOM_SETTINGS),
      JSON.stringify(patch),
      newContextToken(),
    );
    return storedSettingsSchema.parse(JSON.parse(out));
  }

  /** Makes `session` the live one unless one is live already; returns the one that is live. */
  async startSession(
    roomId: string,
    session: LiveSession,
  ): Promise<{ started: boolean; live: LiveSession | null }> {
    const key = sharedRedisKeys.roomLive(roomId);
    const started = await this.redis.modStartSession(
      key,
      modKeys.context(roomId),
      JSON.stringify(session),
      newContextToken(),
    );
    if (started === 1) return { started: true, live: session };
    return { started: false, live: parseStored(storedLiveSchema, await this.redis.get(key)) };
  }

  /** Undoes `startSession` (its event could not be published), unless another session replaced it. */
  async releaseSession(roomId: string, session: LiveSession): Promise<void> {
    await this.redis.modReleaseSession(
      sharedRedisKeys.roomLive(roomId),
      modKeys.context(roomId),
      JSON.stringify(session),
      newContextToken(),
    );
  }

  /** Ends the live session; null when none was live. */
  async endSession(
    roomId: string,
    endedAt: number,
  ): Promise<{ ended: EndedSessionView; undo: () => Promise<void> } | null> {
    const liveKey = sharedRedisKeys.roomLive(roomId);
    const sessionsKey = modKeys.sessions(roomId);
    const contextKey = modKeys.context(roomId);
    const res = await this.redis.modEndSession(
      liveKey,
      sessionsKey,
      contextKey,
      String(endedAt),
      newContextToken(),
    );
    if (!res) return null;
    const [liveJson, endedJson] = res;
    const ended = storedEndedSessionSchema.parse(JSON.parse(endedJson));
    return {
      ended,
      undo: async () => {
        await this.redis.modUndoEndSession(
          liveKey,
          sessionsKey,
          contextKey,
          liveJson,
          endedJson,
          newContextToken(),
        );
      },
    };
  }
}
