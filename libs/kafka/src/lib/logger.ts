/** The slice of a pino logger this lib needs; apps pass their own. */
export interface KafkaLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const ignore = (): void => undefined;
export const silentLogger: KafkaLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
