import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_LOGGER, REDIS } from '@danmaku/platform';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { orUnavailable } from '../common/unavailable';

export type LimitName =
  'loginFailuresByUsername' | 'loginFailuresByIp' | 'registrationsByIp' | 'guestTokensByIp';

/** `null`: allowed. A number: blocked for that many more ms. */
export type LimitVerdict = number | null;

/**
 * Fixed-window counters in Redis (rate-limiter-flexible), shared by every auth instance.
 * Keys: `auth:rl:<limit>:<key>` (private to auth).
 */
@Injectable()
export class RateLimitRepository {
  private readonly limiters: Record<LimitName, RateLimiterRedis>;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(AUTH_CONFIG) config: AuthConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    const make = (keyPrefix: string, points: number, duration: number) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration, rejectIfRedisNotReady: true });
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
  async check(limit: LimitName, key: string): Promise<LimitVerdict> {
    const limiter = this.limiters[limit];
    const res = await orUnavailable(this.logger, `rate-limit.get.${limit}`, () => limiter.get(key));
    if (res && res.consumedPoints >= limiter.points) return Math.max(1, res.msBeforeNext);
    return null;
  }

  /** Spends one point; blocked (ms) when that went over the budget. */
  async consume(limit: LimitName, key: string): Promise<LimitVerdict> {
    try {
      await this.limiters[limit].consume(key);
      return null;
    } catch (rejection) {
      // The library rejects with a RateLimiterRes when over budget and an Error when Redis failed.
      if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
      return orUnavailable(this.logger, `rate-limit.consume.${limit}`, () => Promise.reject(rejection));
    }
  }

  async reset(limit: LimitName, key: string): Promise<void> {
    await orUnavailable(this.logger, `rate-limit.delete.${limit}`, () => this.limiters[limit].delete(key));
  }
}
