import { z } from 'zod';

/** Added to a default-less METRICS_PORT: gateway 3000 → 9000, a second gateway on 3010 → 9010. */
export const METRICS_PORT_OFFSET = 6000;

/** Where `/metrics` listens: its own port, apart from the public API (spread into `commonEnvShape`). */
export const metricsEnvShape = {
  METRICS_PORT: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe(
      `Port of the separate listener that serves \`GET /metrics\` (Prometheus); the public port does not. ` +
        `Unset: the app's own port + ${METRICS_PORT_OFFSET} (gateway 9000, auth 9001, moderation 9002, replay 9003).`,
    ),
  METRICS_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe(
      'Address the metrics listener binds to. The default keeps it off the network; set `0.0.0.0` ' +
        'where Prometheus scrapes from another host or container, and keep that port unpublished.',
    ),
};

/**
 * The metrics listener's port for an app on `appPort`: METRICS_PORT, else `appPort` + 6000.
 * Returns a problem in ConfigError's wording instead when that cannot work.
 */
export function metricsPortFor(appPort: number, configured: number | undefined): number | string {
  const port = configured ?? appPort + METRICS_PORT_OFFSET;
  if (port > 65535)
    return `METRICS_PORT: not set, and the default (the app's port ${appPort} + ${METRICS_PORT_OFFSET}) is above 65535; set it`;
  if (port === appPort) return `METRICS_PORT: must differ from the app's own port ${appPort}`;
  return port;
}
