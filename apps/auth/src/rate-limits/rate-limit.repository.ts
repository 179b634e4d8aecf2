import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { APP_LOGGER, REDIS, RedisRateLimiter, type RateLimitVerdict } from '@danmaku/platform';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';

export type LimitName =
  'loginFailuresByUsername' | 'loginFailuresByIp' | 'registrationsByIp' | 'guestTokensByIp';

/** `null`: allowed. A number: blocked for that many more ms. */
export type LimitVerdict = RateLimitVerdict;

/**
 * Auth's budgets, on the shared Redis limiter of libs/platform (the one replay and
 * moderation use for their HTTP limits), so every auth instance shares them.
 * Keys: `auth:rl:<limit>:<key>` (private to auth).
 */
@Injectable()
export class RateLimitRepository {
  private readonly limiters: Record<LimitName, RedisRateLimiter>;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(AUTH_CONFIG) config: AuthConfig,
    @Inject(APP_LOGGER) logger: Logger,
  ) {
    const make = (keyPrefix: string, points: number, durationSec: number) =>
      new RedisRateLimiter(redis, keyPrefix, { points, durationSec }, logger);
    this.limiters = {
      loginFailuresByUsername: make(
        'auth:rl:login-user',
        config.LOGIN_MAX_FAILURES_PER_USERNAME,
        config.LOGIN_FAILURE_WINDOW_SEC,
      ),
      loginFailuresByIp: make(
        'auth:rl:login-ip',
        config.LOGIN_MAX_FAILURES_PER_IP,
        config.LOGIN_FAILURE_WINDOW_SEC,
      ),
      registrationsByIp: make('auth:rl:register-ip', config.REGISTER_MAX_PER_IP, config.REGISTER_WINDOW_SEC),
      guestTokensByIp: make('auth:rl:guest-ip', config.GUEST_MAX_PER_IP, config.GUEST_WINDOW_SEC),
    };
  }

  /** Whether the budget is already used up, without spending from it. */
  check(limit: LimitName, key: string): Promise<LimitVerdict> {
    return this.limiters[limit].check(key);
  }

  /** Spends one point; blocked (ms) when that went over the budget. */
  consume(limit: LimitName, key: string): Promise<LimitVerdict> {
    return this.limiters[limit].consume(key);
  }

  reset(limit: LimitName, key: string): Promise<void> {
    return this.limiters[limit].reset(key);
  }
}
