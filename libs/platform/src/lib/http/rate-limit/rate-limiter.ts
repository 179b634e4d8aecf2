import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainException } from '../../errors/domain.exception';

/** A budget: `points` per `durationSec` window; over it, refused for `blockSec` (default: the rest of the window). */
export interface RateLimitRule {
  points: number;
  durationSec: number;
  blockSec?: number;
}

/** `null`: allowed. A number: refused for that many more ms. */
export type RateLimitVerdict = number | null;

/**
 * One fixed-window budget per key, counted in Redis (rate-limiter-flexible) so every
 * instance of an app shares it. Keys: `<keyPrefix>:<key>` under the client's namespace.
 * An address that went over is also remembered in memory until its block ends, so a
 * scraper hammering away costs no Redis round trip per refused request.
 * A Redis failure is `UNAVAILABLE` (503), never a pass: a limit that opens when Redis
 * blinks would be the way around it.
 */
export class RedisRateLimiter {
  private readonly limiter: RateLimiterRedis;

  constructor(
    redis: Redis,
    readonly keyPrefix: string,
    readonly rule: RateLimitRule,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {
    const blockSec = rule.blockSec ?? 0;
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: rule.points,
      duration: rule.durationSec,
      blockDuration: blockSec,
      rejectIfRedisNotReady: true,
      ...(blockSec > 0 ? { inMemoryBlockOnConsumed: rule.points + 1, inMemoryBlockDuration: blockSec } : {}),
    });
  }

  get points(): number {
    return this.rule.points;
  }

  /** Whether the budget is already used up, without spending from it. */
  async check(key: string): Promise<RateLimitVerdict> {
    const res = await this.store('get', () => this.limiter.get(key));
    if (res && res.consumedPoints >= this.rule.points) return Math.max(1, res.msBeforeNext);
    return null;
  }

  /** Spends one point; refused (ms) when that went over the budget. */
  async consume(key: string): Promise<RateLimitVerdict> {
    try {
      await this.limiter.consume(key);
      return null;
    } catch (rejection) {
      // The library rejects with a RateLimiterRes when over budget and an Error when Redis failed.
      if (rejection instanceof RateLimiterRes) return Math.max(1, rejection.msBeforeNext);
      return this.store('consume', () => Promise.reject(rejection));
    }
  }

  async reset(key: string): Promise<void> {
    await this.store('delete', () => this.limiter.delete(key));
  }

  private async store<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      this.logger.warn(
        {
          operation: `rate-limit.${operation}.${this.keyPrefix}`,
          err: err instanceof Error ? err.message : String(err),
        },
        'rate limit store failed',
      );
      throw new DomainException('UNAVAILABLE', 'Service temporarily unavailable, try again');
    }
  }
}
