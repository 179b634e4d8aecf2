import { DomainException } from '@danmaku/platform';

export interface WarnLogger {
  warn(obj: object, msg?: string): void;
}

/**
 * Runs one store operation; a failure that is not already a contract error means the
 * store (Redis, Kafka) is unusable right now. The caller then answers 503 UNAVAILABLE
 * instead of a 500, and the log keeps the cause (never the payload).
 */
export async function orUnavailable<T>(
  logger: WarnLogger,
  operation: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof DomainException) throw err;
    logger.warn(
      { operation, err: err instanceof Error ? err.message : String(err) },
      'store operation failed',
    );
    throw new DomainException('UNAVAILABLE', 'Service temporarily unavailable, try again');
  }
}
