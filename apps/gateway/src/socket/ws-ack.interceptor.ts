import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { catchError, map, of, type Observable } from 'rxjs';
import type { AckError } from '@danmaku/contracts';
import { APP_LOGGER, DomainException } from '@danmaku/platform';

/**
 * The socket transport's error mapping: a handler's result becomes `{ok: true, ...data}`,
 * a DomainException `{ok: false, error}`; anything else is logged with a correlation id and
 * answered as INTERNAL. No error escapes, so one bad message never kills the socket's stream.
 */
@Injectable()
export class WsAckInterceptor implements NestInterceptor {
  constructor(@Inject(APP_LOGGER) private readonly logger: Logger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((data) => ({ ok: true, ...(data as object) })),
      catchError((error: unknown) => of(this.toAckError(context, error))),
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
