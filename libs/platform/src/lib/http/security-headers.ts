import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';

/**
 * helmet's defaults on every HTTP app (`X-Content-Type-Options: nosniff`, a restrictive
 * CSP, HSTS, `X-Frame-Options`, `Referrer-Policy: no-referrer`…) and no `X-Powered-By`.
 * The APIs answer JSON; the only HTML they serve is the OpenAPI viewer at `/docs`, which
 * loads its scripts from the same origin and so runs under helmet's default CSP.
 * Cross-Origin-Resource-Policy is relaxed to `cross-origin`: the web app reads these APIs
 * from another origin (CORS decides who may), and a JWKS is public by nature.
 */
export function applySecurityHeaders(nest: INestApplication): void {
  const app = nest as NestExpressApplication;
  app.disable('x-powered-by');
  app.use(helmet({ crossOriginResourcePolicy: { policy: 'cross-origin' } }));
}
