import pino, { type Logger } from 'pino';

/** The process logger: JSON lines, secrets redacted. Shared by Nest, Kafka and repositories. */
export function createAppLogger(app: string, level: string, instanceId: string): Logger {
  return pino({
    name: app,
    level,
    base: { app, instance: instanceId },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', '*.refreshToken'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
