import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainException, REDIS } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/** Per-user send rate shared by every gateway instance (a Redis-backed fixed window). */
@Injectable()
export class SendRateLimiter {
  private readonly limiter: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: Redis, @Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: 'gw:send-rate',
      points: config.GATEWAY_SEND_RATE_LIMIT,
      duration: config.GATEWAY_SEND_RATE_WINDOW_SEC,
    });
  }

  async consume(userId: string): Promise<void> {
    try {
      await this.limiter.consume(userId);
    } catch (e) {
      if (e instanceof RateLimiterRes) {
        throw new DomainException('RATE_LIMITED', 'Sending too fast', undefined, e.msBeforeNext);
      }
      throw e;
    }
  }
}
