import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { APP_LOGGER, DomainException } from '@danmaku/platform';
import { AUTH_CONFIG, revocationTtlSec, type AuthConfig } from '../config/auth.config';
import { AuthMetrics, type RevocationReason } from '../metrics/auth-metrics.service';
import { SessionEventsPublisher } from './session-events.publisher';
import { SessionRepository } from './session.repository';

export interface StartedSession {
  sessionId: string;
  refreshToken: string;
}

export interface RotatedSession extends StartedSession {
  userId: string;
}

/**
 * Auth sessions (`sid`) and their refresh tokens. A refresh token is 32 random bytes,
 * stored only as its sha256; it works once, and a second use of a spent one revokes the
 * whole session (the token leaked: both holders lose it).
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly events: SessionEventsPublisher,
    private readonly metrics: AuthMetrics,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  async start(userId: string): Promise<StartedSession> {
    const sessionId = uuidv7();
    const refreshToken = newRefreshToken();
    await this.sessions.create(
      { sessionId, userId, refreshHash: hashRefreshToken(refreshToken), createdAt: Date.now() },
      this.config.REFRESH_TOKEN_TTL_SEC,
    );
    return { sessionId, refreshToken };
  }

  /** A guest has no stored session, only a `sid` its token carries (so it can still be revoked). */
  guestSessionId(): string {
    return uuidv7();
  }

  /** Spends a refresh token and hands out its successor. */
  async rotate(refreshToken: string): Promise<RotatedSession> {
    const oldHash = hashRefreshToken(refreshToken);
    const entry = await this.sessions.findByRefreshHash(oldHash);
    if (!entry) {
      this.metrics.refresh('invalid');
      throw invalidRefreshToken();
    }
    const next = newRefreshToken();
    const outcome = await this.sessions.rotate(
      entry,
      oldHash,
      hashRefreshToken(next),
      this.config.REFRESH_TOKEN_TTL_SEC,
      Date.now(),
    );
    if (outcome === 'reused') {
      this.metrics.refresh('reused');
      this.logger.warn(
        { sessionId: entry.sessionId, userId: entry.userId },
        'spent refresh token replayed; revoking the session',
      );
      await this.revoke(entry.sessionId, entry.userId, 'refresh_reuse');
      throw invalidRefreshToken();
    }
    if (outcome === 'missing') {
      this.metrics.refresh('invalid');
      throw invalidRefreshToken();
    }
    this.metrics.refresh('ok');
    return { sessionId: entry.sessionId, userId: entry.userId, refreshToken: next };
  }

  /**
   * Revokes a session everywhere: its refresh token stops working, every app refuses its
   * access tokens (shared revocation marker), and gateways drop its sockets (Kafka event).
   * Idempotent.
   */
  async revoke(sessionId: string, userId: string, reason: RevocationReason): Promise<void> {
    await this.sessions.revoke(sessionId, userId, revocationTtlSec(this.config));
    this.metrics.revoked(reason);
    await this.events.publish({ type: 'session.revoked', sessionId, userId, at: Date.now() });
  }

  /** Revokes every session of a user that could still be refreshed. */
  async revokeAllOf(userId: string, reason: RevocationReason): Promise<number> {
    const ids = await this.sessions.liveSessionIds(userId, Date.now());
    for (const id of ids) await this.revoke(id, userId, reason);
    return ids.length;
  }

  isRevoked(sessionId: string): Promise<boolean> {
    return this.sessions.isRevoked(sessionId);
  }
}

/** 32 random bytes, base64url (43 characters). */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Refresh tokens are stored only hashed; sha256 suffices for 256 random bits (no guessing to slow down). */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function invalidRefreshToken(): DomainException {
  return new DomainException('UNAUTHORIZED', 'Invalid or expired refresh token');
}
