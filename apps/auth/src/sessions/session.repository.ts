import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { sharedRedisKeys } from '@danmaku/contracts';
import { APP_LOGGER, REDIS } from '@danmaku/platform';
import { orUnavailable } from '../common/unavailable';

/** Private keys of the sessions feature (the namespace prefix comes from the client). */
export const sessionKeys = {
  /** HASH {sessionId, userId, refreshHash, createdAt, refreshedAt}; TTL = refresh lifetime, renewed on rotation. */
  session: (sessionId: string) => `auth:session:${sessionId}`,
  /**
   * STRING JSON {sessionId, userId}, by sha256 of a refresh token. Kept after the token is spent (until
   * the token itself would have expired) so a replay is recognised and revokes the session.
   */
  refresh: (refreshHash: string) => `auth:refresh:${refreshHash}`,
  /** ZSET sessionId scored by refresh expiry (ms), to revoke all of a user's sessions. */
  userSessions: (userId: string) => `auth:user-sessions:${userId}`,
} as const;

export interface NewSession {
  sessionId: string;
  userId: string;
  refreshHash: string;
  createdAt: number;
}

const refreshEntrySchema = z.object({ sessionId: z.string().min(1), userId: z.string().min(1) });
export type RefreshEntry = z.infer<typeof refreshEntrySchema>;

/**
 * `rotated`: the token was current and is now spent. `reused`: it was spent before, so
 * somebody replays it. `missing`: the session is gone (revoked or expired).
 */
export type RotateOutcome = 'rotated' | 'reused' | 'missing';

// Compare-and-swap of the session's current refresh hash: of two concurrent refreshes with
// the same token exactly one rotates; the other sees a spent token.
const ROTATE_LUA = `
local current = redis.call('HGET', KEYS[1], 'refreshHash')
if not current then return 0 end
if current ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'refreshHash', ARGV[2], 'refreshedAt', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[7], 'EX', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 1
`;

type RotateCommand = (
  sessionKey: string,
  newRefreshKey: string,
  userSessionsKey: string,
  oldHash: string,
  newHash: string,
  ttlSec: number,
  now: number,
  sessionId: string,
  expiresAt: number,
  refreshEntry: string,
) => Promise<number>;

@Injectable()
export class SessionRepository {
  private readonly rotateCommand: RotateCommand;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    // defineCommand: EVALSHA with the client's key prefix applied to KEYS.
    this.redis.defineCommand('authRotateRefresh', { numberOfKeys: 3, lua: ROTATE_LUA });
    const client = this.redis as unknown as { authRotateRefresh: RotateCommand };
    this.rotateCommand = client.authRotateRefresh.bind(this.redis);
  }

  async create(session: NewSession, ttlSec: number): Promise<void> {
    const expiresAt = session.createdAt + ttlSec * 1000;
    await orUnavailable(this.logger, 'session.create', () =>
      this.redis
        .multi()
        .hset(sessionKeys.session(session.sessionId), {
          sessionId: session.sessionId,
          userId: session.userId,
          refreshHash: session.refreshHash,
          createdAt: session.createdAt,
          refreshedAt: session.createdAt,
        })
        .expire(sessionKeys.session(session.sessionId), ttlSec)
        .set(sessionKeys.refresh(session.refreshHash), refreshEntry(session), 'EX', ttlSec)
        .zadd(sessionKeys.userSessions(session.userId), expiresAt, session.sessionId)
        // Housekeeping: sessions that expired on their own leave the index here.
        .zremrangebyscore(sessionKeys.userSessions(session.userId), '-inf', session.createdAt)
        .expire(sessionKeys.userSessions(session.userId), ttlSec)
        .exec()
        .then(failOnQueuedError),
    );
  }

  /** The session a refresh token (by hash) belongs or belonged to. */
  async findByRefreshHash(refreshHash: string): Promise<RefreshEntry | null> {
    const raw = await orUnavailable(this.logger, 'session.lookup', () =>
      this.redis.get(sessionKeys.refresh(refreshHash)),
    );
    return raw === null ? null : refreshEntrySchema.parse(JSON.parse(raw));
  }

  /** Spends `oldHash` and makes `newHash` the session's refresh token, atomically. */
  async rotate(
    entry: RefreshEntry,
    oldHash: string,
    newHash: string,
    ttlSec: number,
    now: number,
  ): Promise<RotateOutcome> {
    const status = await orUnavailable(this.logger, 'session.rotate', () =>
      this.rotateCommand(
        sessionKeys.session(entry.sessionId),
        sessionKeys.refresh(newHash),
        sessionKeys.userSessions(entry.userId),
        oldHash,
        newHash,
        ttlSec,
        now,
        entry.sessionId,
        now + ttlSec * 1000,
        refreshEntry(entry),
      ),
    );
    return status === 1 ? 'rotated' : status === -1 ? 'reused' : 'missing';
  }

  /**
   * Ends a session for good in one transaction: its record and index entry go, and the
   * shared revocation marker (read by every app) is written.
   */
  async revoke(sessionId: string, userId: string, markerTtlSec: number): Promise<void> {
    await orUnavailable(this.logger, 'session.revoke', () =>
      this.redis
        .multi()
        .set(sharedRedisKeys.revokedSession(sessionId), '1', 'EX', markerTtlSec)
        .del(sessionKeys.session(sessionId))
        .zrem(sessionKeys.userSessions(userId), sessionId)
        .exec()
        .then(failOnQueuedError),
    );
  }

  /** The user's sessions that may still be refreshed. */
  liveSessionIds(userId: string, now: number): Promise<string[]> {
    return orUnavailable(this.logger, 'session.list', () =>
      this.redis.zrangebyscore(sessionKeys.userSessions(userId), now, '+inf'),
    );
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const n = await orUnavailable(this.logger, 'session.is-revoked', () =>
      this.redis.exists(sharedRedisKeys.revokedSession(sessionId)),
    );
    return n === 1;
  }
}

function refreshEntry(e: RefreshEntry): string {
  return JSON.stringify({ sessionId: e.sessionId, userId: e.userId } satisfies RefreshEntry);
}

/** `exec()` resolves even when a queued command failed; surface that as a failure. */
export function failOnQueuedError(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('transaction aborted');
  const failed = results.find(([err]) => err !== null);
  if (failed) throw failed[0];
}
