import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import type { GuestToken, MeResponse, Principal, RegisteredUser, TokenPair } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { AuthMetrics } from '../metrics/auth-metrics.service';
import { RateLimitRepository, type LimitVerdict } from '../rate-limits/rate-limit.repository';
import { SessionsService } from '../sessions/sessions.service';
import { AccessTokenService } from '../tokens/access-token.service';
import { UsersService } from '../users/users.service';

export interface RegisterInput {
  username: string;
  password: string;
  nickname?: string;
}

const INVALID_CREDENTIALS = 'Invalid username or password';

/** The `/v1/auth/*` use cases: accounts, logins with their limits, guests, token refresh, logout. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly tokens: AccessTokenService,
    private readonly limits: RateLimitRepository,
    private readonly metrics: AuthMetrics,
  ) {}

  async register(input: RegisterInput, clientIp: string): Promise<RegisteredUser> {
    const blocked = await this.limits.consume('registrationsByIp', clientIp);
    if (blocked !== null) {
      this.metrics.registration('limited');
      throw rateLimited('Too many registrations from this address', blocked);
    }
    try {
      const user = await this.users.create(input);
      this.metrics.registration('ok');
      return { userId: user.userId, username: user.username, nickname: user.nickname };
    } catch (e) {
      if (e instanceof DomainException && e.code === 'USERNAME_TAKEN') this.metrics.registration('taken');
      throw e;
    }
  }

  /**
   * Failed attempts count per username and per client address; once either budget is used
   * up, attempts get 429 (even with the right password) until the window ends. A success
   * clears the username's count.
   */
  async login(username: string, password: string, clientIp: string): Promise<TokenPair> {
    const nameKey = username.toLowerCase();
    const blocked = longest(
      await this.limits.check('loginFailuresByUsername', nameKey),
      await this.limits.check('loginFailuresByIp', clientIp),
    );
    if (blocked !== null) {
      this.metrics.login('limited');
      throw rateLimited('Too many failed logins, try again later', blocked);
    }
    const user = await this.users.authenticate(username, password);
    if (!user) {
      await this.limits.consume('loginFailuresByUsername', nameKey);
      await this.limits.consume('loginFailuresByIp', clientIp);
      this.metrics.login('failed');
      throw new DomainException('INVALID_CREDENTIALS', INVALID_CREDENTIALS);
    }
    await this.limits.reset('loginFailuresByUsername', nameKey);
    const session = await this.sessions.start(user.userId);
    const access = await this.tokens.issueForUser({
      userId: user.userId,
      nickname: user.nickname,
      role: user.role,
      sessionId: session.sessionId,
    });
    this.metrics.login('ok');
    return {
      accessToken: access.accessToken,
      refreshToken: session.refreshToken,
      expiresIn: access.expiresIn,
    };
  }

  /** Guest tokens cost no account, so they are limited per client address instead. */
  async guest(nickname: string | undefined, clientIp: string): Promise<GuestToken> {
    const blocked = await this.limits.consume('guestTokensByIp', clientIp);
    if (blocked !== null) {
      this.metrics.guestToken('limited');
      throw rateLimited('Too many guest tokens from this address', blocked);
    }
    const token = await this.tokens.issueForGuest({
      userId: `guest-${uuidv7()}`,
      nickname: nickname ?? `guest-${randomBytes(2).toString('hex')}`,
      role: 'guest',
      sessionId: this.sessions.guestSessionId(),
    });
    this.metrics.guestToken('ok');
    return token;
  }

  /** New access token (with the account's current nickname and role) and the next refresh token. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const rotated = await this.sessions.rotate(refreshToken);
    const user = await this.users.get(rotated.userId);
    if (!user) {
      await this.sessions.revoke(rotated.sessionId, rotated.userId, 'account_missing');
      throw new DomainException('UNAUTHORIZED', 'Invalid or expired refresh token');
    }
    const access = await this.tokens.issueForUser({
      userId: user.userId,
      nickname: user.nickname,
      role: user.role,
      sessionId: rotated.sessionId,
    });
    return {
      accessToken: access.accessToken,
      refreshToken: rotated.refreshToken,
      expiresIn: access.expiresIn,
    };
  }

  logout(principal: Principal): Promise<void> {
    return this.sessions.revoke(principal.sessionId, principal.userId, 'logout');
  }

  /** A guest has no account, hence no username. */
  async me(principal: Principal): Promise<MeResponse> {
    if (principal.role === 'guest') {
      return { userId: principal.userId, username: null, nickname: principal.nickname, role: 'guest' };
    }
    const user = await this.users.get(principal.userId);
    if (!user) throw new DomainException('UNAUTHORIZED', 'Account no longer exists');
    return { userId: user.userId, username: user.username, nickname: user.nickname, role: user.role };
  }
}

function rateLimited(message: string, retryAfterMs: number): DomainException {
  return new DomainException('RATE_LIMITED', message, undefined, retryAfterMs);
}

function longest(...verdicts: LimitVerdict[]): LimitVerdict {
  const blocked = verdicts.filter((v): v is number => v !== null);
  return blocked.length === 0 ? null : Math.max(...blocked);
}
