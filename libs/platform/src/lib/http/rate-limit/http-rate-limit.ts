import {
  Inject,
  Injectable,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
  type Provider,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { Request } from 'express';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import { z } from 'zod';
import type { Principal } from '@danmaku/contracts';
import { parseEnv } from '../../config/config';
import { DomainException } from '../../errors/domain.exception';
import { APP_LOGGER, REDIS } from '../../platform.module';
import { clientAddressOf } from '../client-address';
import { RedisRateLimiter, type RateLimitVerdict } from './rate-limiter';

/** Per-app defaults of the HTTP limits; each is overridable by env (see `loadHttpRateLimitConfig`). */
export interface HttpRateLimitDefaults {
  /** Requests per window from one client address, before authentication (0: no limit). */
  perAddress: number;
  /** Requests per window by one authenticated user (0: no limit). */
  perUser: number;
  windowSec: number;
  /** How long a key that went over is refused. */
  blockSec: number;
}

const count = (fallback: number) => z.coerce.number().int().min(0).max(1_000_000).default(fallback);
const seconds = (fallback: number) => z.coerce.number().int().min(1).max(86_400).default(fallback);

/**
 * `HTTP_RATE_LIMIT_PER_ADDRESS`, `HTTP_RATE_LIMIT_PER_USER`, `HTTP_RATE_LIMIT_WINDOW_SEC`,
 * `HTTP_RATE_LIMIT_BLOCK_SEC`, each defaulting to the app's own value.
 * @example
 * loadHttpRateLimitConfig(REPLAY_HTTP_LIMITS, { HTTP_RATE_LIMIT_PER_ADDRESS: '50' }).perAddress // 50
 */
export function loadHttpRateLimitConfig(
  defaults: HttpRateLimitDefaults,
  env: NodeJS.ProcessEnv = process.env,
): HttpRateLimitDefaults {
  const parsed = parseEnv(
    z.object({
      HTTP_RATE_LIMIT_PER_ADDRESS: count(defaults.perAddress),
      HTTP_RATE_LIMIT_PER_USER: count(defaults.perUser),
      HTTP_RATE_LIMIT_WINDOW_SEC: seconds(defaults.windowSec),
      HTTP_RATE_LIMIT_BLOCK_SEC: seconds(defaults.blockSec),
    }),
    env,
  );
  return {
    perAddress: parsed.HTTP_RATE_LIMIT_PER_ADDRESS,
    perUser: parsed.HTTP_RATE_LIMIT_PER_USER,
    windowSec: parsed.HTTP_RATE_LIMIT_WINDOW_SEC,
    blockSec: parsed.HTTP_RATE_LIMIT_BLOCK_SEC,
  };
}

/**
 * Replay is public and read-only. A player seeking through a recording asks for a page or
 * a density every few hundred ms at most; 300 requests in 10 s (30/s) leaves it ample room
 * while a scraper going over is shut out for a minute, so it averages < 6 pages/s.
 */
export const REPLAY_HTTP_LIMITS: HttpRateLimitDefaults = {
  perAddress: 300,
  perUser: 0,
  windowSec: 10,
  blockSec: 60,
};

/**
 * Moderation: per address before the token is checked (a flood of bad tokens costs the
 * flooder, not the verifier), per user after (a stolen moderator token cannot be scripted
 * into thousands of bans). A console clicking around sends a few requests a second.
 */
export const MODERATION_HTTP_LIMITS: HttpRateLimitDefaults = {
  perAddress: 300,
  perUser: 150,
  windowSec: 10,
  blockSec: 60,
};

/** Probes and scrapes by the supervisor and Prometheus are never limited. */
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const HTTP_LIMITERS = Symbol('HTTP_LIMITERS');

interface HttpLimiters {
  address: RedisRateLimiter | null;
  user: RedisRateLimiter | null;
}

function refuse(verdict: RateLimitVerdict, message: string): void {
  if (verdict !== null) throw new DomainException('RATE_LIMITED', message, undefined, verdict);
}

/** Per client address (`TRUSTED_PROXIES` decides when X-Forwarded-For counts): runs before any route guard. */
@Injectable()
export class ClientAddressRateLimitGuard implements CanActivate {
  constructor(@Inject(HTTP_LIMITERS) private readonly limiters: HttpLimiters) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || !this.limiters.address) return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (UNLIMITED_PATHS.has(req.path)) return true;
    refuse(await this.limiters.address.consume(clientAddressOf(req)), 'Too many requests from this address');
    return true;
  }
}

/**
 * Per authenticated user: an interceptor, because interceptors run after every guard, so
 * the route's own authentication has put the principal on the request by then.
 */
@Injectable()
export class UserRateLimitInterceptor implements NestInterceptor {
  constructor(@Inject(HTTP_LIMITERS) private readonly limiters: HttpLimiters) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() === 'http' && this.limiters.user) {
      const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
      if (principal)
        refuse(await this.limiters.user.consume(principal.userId), 'Too many requests by this user');
    }
    return next.handle();
  }
}

/**
 * The HTTP limits of an app, as providers for its root module: a global guard (per
 * address) and a global interceptor (per user). Counters live in Redis under
 * `<keyPrefix>:rl:http-address:*` and `<keyPrefix>:rl:http-user:*`, shared by every
 * instance; `keyPrefix` is the app's own key prefix, the one its Redis ACL user may write.
 * Over budget: `429 RATE_LIMITED` with `Retry-After` (seconds) and `retryAfterMs`.
 * @example
 * providers: [...httpRateLimitProviders(loadHttpRateLimitConfig(REPLAY_HTTP_LIMITS), 'replay')]
 */
export function httpRateLimitProviders(config: HttpRateLimitDefaults, keyPrefix: string): Provider[] {
  return [
    {
      provide: HTTP_LIMITERS,
      inject: [REDIS, APP_LOGGER],
      useFactory: (redis: Redis, logger: Logger): HttpLimiters => {
        const make = (name: string, points: number) =>
          points > 0
            ? new RedisRateLimiter(
                redis,
                `${keyPrefix}:rl:${name}`,
                {
                  points,
                  durationSec: config.windowSec,
                  blockSec: config.blockSec,
                },
                logger,
              )
            : null;
        return { address: make('http-address', config.perAddress), user: make('http-user', config.perUser) };
      },
    },
    { provide: APP_GUARD, useClass: ClientAddressRateLimitGuard },
    { provide: APP_INTERCEPTOR, useClass: UserRateLimitInterceptor },
  ];
}
