import type { ErrorBody, ErrorCode, RejectionCode } from '@danmaku/contracts';

/**
 * The one exception type services throw. It carries a contract code; each transport's
 * filter maps it (HTTP status + body, socket ack).
 */
export class DomainException extends Error {
  constructor(
    readonly code: ErrorCode | RejectionCode,
    message: string,
    readonly details?: unknown,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DomainException';
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    if (this.retryAfterMs !== undefined) body.retryAfterMs = this.retryAfterMs;
    return body;
  }
}
