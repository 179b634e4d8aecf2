import { hostname } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, type CommonConfig } from './config/config';
import { MetricsEndpoint } from './health/metrics-endpoint';
import { metricsPortFor } from './health/metrics-env';
import { MetricsService } from './health/metrics.service';
import { httpMetricsMiddleware } from './http/http-metrics.middleware';
import { applyCors, loadCorsConfig, type CorsConfig } from './http/cors';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { applyTrustedProxies, loadTrustedProxies, type TrustedProxies } from './http/client-address';
import { applySecurityHeaders } from './http/security-headers';
import { APP_LOGGER } from './platform.module';
import { dieOn, installFatalErrorHandlers, type FatalLogger } from './process/fatal-errors';

/** `INSTANCE_ID`, else host-pid: names this process in logs, metrics and Kafka client ids. */
export function instanceIdFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env['INSTANCE_ID'] || `${hostname()}-${process.pid}`;
}

/**
 * Parses config (exiting with every bad variable named), builds the Nest app, applies
 * the contract error filter, helmet, the trusted proxies (`TRUSTED_PROXIES`) and CORS (when
 * asked) and starts listening. An error nobody handled (a rejected promise, a throw in a
 * callback, a failed start) is logged with the app and instance and exits 1.
 */
export async function runHttpApp(opts: {
  app: string;
  port: (config: never) => number;
  loadConfig: () => unknown;
  createModule: (config: never, instanceId: string) => unknown;
  configure?: (nest: INestApplication, config: never) => void | Promise<void>;
  /** Answer browsers from the origins in `CORS_ALLOWED_ORIGINS` (see `loadCorsConfig`). */
  cors?: boolean;
}): Promise<INestApplication> {
  const instanceId = instanceIdFromEnv();
  // Until Nest built the app logger, the handlers write to stderr.
  const fatal: { logger?: FatalLogger } = {};
  installFatalErrorHandlers({ app: opts.app, instanceId, logger: () => fatal.logger });
  let config: unknown;
  let cors: CorsConfig | undefined;
  let metricsPort = 0;
  let trustedProxies: TrustedProxies;
  try {
    config = opts.loadConfig();
    if (opts.cors) cors = loadCorsConfig();
    const metrics = metricsPortFor(opts.port(config as never), (config as CommonConfig).METRICS_PORT);
    if (typeof metrics === 'string') throw new ConfigError([metrics]);
    metricsPort = metrics;
    trustedProxies = loadTrustedProxies();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${opts.app}: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  try {
    const module = opts.createModule(config as never, instanceId);
    const nest = await NestFactory.create(module as never, { bufferLogs: true });
    const logger = nest.get(Logger);
    fatal.logger = nest.get<FatalLogger>(APP_LOGGER);
    nest.useLogger(logger);
    nest.useGlobalFilters(new HttpExceptionFilter());
    nest.use(httpMetricsMiddleware(nest.get(MetricsService)));
    // Graceful stop on the supervisor's signals only: Nest's default list includes SIGUSR2,
    // which would turn `node --heapsnapshot-signal=SIGUSR2` (a heap snapshot) into a shutdown.
    nest.enableShutdownHooks(['SIGTERM', 'SIGINT', 'SIGHUP']);
    applySecurityHeaders(nest);
    applyTrustedProxies(nest, trustedProxies);
    if (cors) applyCors(nest, cors);
    await opts.configure?.(nest, config as never);
    const port = opts.port(config as never);
    await nest.listen(port);
    const metricsAt = await nest
      .get(MetricsEndpoint)
      .listen((config as CommonConfig).METRICS_HOST, metricsPort);
    logger.log(
      `${opts.app} listening on http://127.0.0.1:${port}, metrics on http://${metricsAt.host}:${metricsAt.port}/metrics ` +
        `(instance ${instanceId}, heap limit ${Math.round(getHeapStatistics().heap_size_limit / 1048576)} MB)`,
    );
    return nest;
  } catch (error) {
    // Logged as a failed start (not as a rejection nobody handled), then exit 1.
    dieOn('startup', error);
    throw error;
  }
}
