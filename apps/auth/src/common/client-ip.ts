import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { clientAddressOf } from '@danmaku/platform';

/**
 * The address rate limits are keyed by: the TCP peer, or X-Forwarded-For when the peer is
 * one of `TRUSTED_PROXIES` (set on every app by runHttpApp; see `clientAddressOf`).
 */
export const ClientIp = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  clientAddressOf(ctx.switchToHttp().getRequest<Request>()),
);
