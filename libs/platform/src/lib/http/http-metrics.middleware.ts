import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricsService } from '../health/metrics.service';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Label of requests no route matched (404s, probes for other paths): one series, not one per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Nest mounts app-wide middleware (nestjs-pino's, `forRoutes('*')`) as a catch-all route, so a
 * request no controller matched still ends with `req.route` = that catch-all.
 */
const CATCH_ALL = /^\/?(\{\*\w+\}|\*\w*)$/;

type RoutedRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };

/**
 * Express middleware for every app: `http_request_duration_seconds{method,route,status}`.
 * `route` is the matched route's template (`/v1/rooms/:roomId/bans`), never the raw URL, so
 * the series stay few; `status` is the answered code, or 499 when the client went away first.
 * Its `_count` is the request rate, `status=~"5.."` the error rate.
 */
export function httpMetricsMiddleware(metrics: MetricsService) {
  const duration = metrics.histogram(
    'http_request_duration_seconds',
    'HTTP requests by method, route template and status: time from arrival to the last byte sent',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ['method', 'route', 'status'],
  );
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const start = process.hrtime.bigint();
    res.once('close', () => {
      // Express sets req.route when a route matched; it stays set after the handler ran.
      const routed = req as RoutedRequest;
      const path = routed.route?.path;
      const route =
        typeof path === 'string' && !CATCH_ALL.test(path)
          ? `${routed.baseUrl ?? ''}${path}`
          : UNMATCHED_ROUTE;
      const method = METHODS.has(req.method ?? '') ? (req.method as string) : 'OTHER';
      const status = res.writableFinished ? String(res.statusCode) : '499';
      duration.observe({ method, route, status }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}
