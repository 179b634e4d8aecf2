/**
 * Thrown by a handler to say "this message can never succeed": the consumer logs it,
 * counts it and moves past it. Any other error is taken as transient and retried.
 */
export class SkipMessageError extends Error {
  constructor(
    message: string,
    readonly reason = 'skipped',
  ) {
    super(message);
    this.name = 'SkipMessageError';
  }
}
