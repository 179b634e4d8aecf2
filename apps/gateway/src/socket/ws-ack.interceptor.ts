import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { catchError, from, map, of, type Observable } from 'rxjs';
import type { AckError } from '@danmaku/contracts';
import { APP_LOGGER, DomainException } from '@danmaku/platform';
import type { ViewerSocket } from './socket-data';
import { SocketLimits } from './socket-limits';

/**
 * The socket transport's error mapping: a handler's result becomes `{ok: true, ...data}`,
 * a DomainException `{ok: false, error}`; anything else is logged with a correlation id and
 * answered UNAVAILABLE (with the id); INVALID_PAYLOAD counts against the socket's invalid-event limit
 * (SocketLimits). No error escapes, so one bad message never kills the socket's stream.
 */
@Injectable()
export class WsAckInterceptor implements NestInterceptor {
  constructor(
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly limits: SocketLimits,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((data) => ({ ok: true, ...(data as object) })),
      catchError((error: unknown) =>
        // A payload that fails validation counts against the socket's invalid-event limit.
        error instanceof DomainException && error.code === 'INVALID_PAYLOAD'
          ? from(this.limits.refuseInvalid(context.switchToWs().getClient<ViewerSocket>(), error.toBody()))
          : of(this.toAckError(context, error)),
      ),
    );
  }

  private toAckError(context: ExecutionContext, error: unknown): AckError {
    if (error instanceof DomainException) return { ok: false, error: error.toBody() };
    const correlationId = randomUUID();
    this.logger.error(
      { correlationId, event: context.switchToWs().getPattern(), err: error },
      'socket handler failed',
    );
    return {
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'Internal error, try again', details: { correlationId } },
    };
  }
}
