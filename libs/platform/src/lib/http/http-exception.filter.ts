import { randomUUID } from 'node:crypto';
import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { httpStatusOf, type ErrorBody, type ErrorCode } from '@danmaku/contracts';
import { DomainException } from '../errors/domain.exception';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'INVALID_PAYLOAD',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'INVALID_PAYLOAD',
  415: 'INVALID_PAYLOAD',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

/**
 * Maps every error to the contract body `{error: {code, message, details?}}`.
 * Unknown errors become 500 INTERNAL with a correlation id; internals never leak.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body, headers } = this.map(exception);
    if (res.headersSent) return;
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    res.status(status).json({ error: body });
  }

  private map(exception: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
    if (exception instanceof DomainException) {
      const status = httpStatusOf(exception.code);
      const headers: Record<string, string> = {};
      if (exception.retryAfterMs !== undefined) {
        headers['Retry-After'] = String(Math.max(1, Math.ceil(exception.retryAfterMs / 1000)));
      }
      return { status, body: exception.toBody(), headers };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_PAYLOAD');
      const message = status === 404 ? 'No such route' : exception.message;
      return { status, body: { code, message }, headers: {} };
    }
    // body-parser errors (malformed JSON, too large) carry a 4xx `status` and a `type`.
    const e = exception as { status?: number; type?: string; message?: string };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      const message = e.type === 'entity.parse.failed' ? 'Malformed JSON body' : (e.message ?? 'Bad request');
      return {
        status: e.status,
        body: { code: STATUS_CODES[e.status] ?? 'INVALID_PAYLOAD', message },
        headers: {},
      };
    }
    if (isInfrastructureOutage(exception)) {
      this.logger.warn({ err: String(exception) }, 'dependency unavailable');
      return {
        status: 503,
        body: { code: 'UNAVAILABLE', message: 'A dependency is unavailable, try again' },
        headers: { 'Retry-After': '1' },
      };
    }
    const correlationId = randomUUID();
    this.logger.error({ correlationId, err: exception }, 'unhandled error');
    return {
      status: 500,
      body: { code: 'INTERNAL', message: 'Internal error', details: { correlationId } },
      headers: {},
    };
  }
}

/** ioredis / kafkajs errors that mean "the store or broker is away", not a bug. */
function isInfrastructureOutage(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (
    e.name === 'MaxRetriesPerRequestError' ||
    /^Connection is closed|ECONNREFUSED|Stream isn't writeable|ETIMEDOUT/.test(e.message) ||
    e.name === 'KafkaJSConnectionError' ||
    e.name === 'KafkaJSNumberOfRetriesExceeded' ||
    e.name === 'KafkaJSNonRetriableError'
  );
}
