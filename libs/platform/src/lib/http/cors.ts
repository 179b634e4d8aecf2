import type { INestApplication } from '@nestjs/common';
import { z } from 'zod';
import { parseEnv } from '../config/config';

/** The web app's origin under `npm start` (`WEB_PORT`, default 3004), by both local names. */
function defaultOrigins(env: NodeJS.ProcessEnv): string {
  const port = env['WEB_PORT'] || '3004';
  return `http://127.0.0.1:${port},http://localhost:${port}`;
}

const originList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z.union([
        z.literal('*'),
        z
          .string()
          .regex(/^https?:\/\/[^/\s]+$/, "each origin must be scheme://host[:port] with no path (or '*')"),
      ]),
    ),
  );

export interface CorsConfig {
  /** Exact origins allowed to call the API from a browser; `*` allows any. Empty: CORS off. */
  origins: string[];
}

/**
 * Reads `CORS_ALLOWED_ORIGINS` (comma-separated origins, `*` for any, empty for none).
 * Unset, it allows the local web app (`http://127.0.0.1:$WEB_PORT`, `http://localhost:$WEB_PORT`).
 * @example
 * loadCorsConfig({ CORS_ALLOWED_ORIGINS: 'https://danmaku.example' }).origins // ['https://danmaku.example']
 */
export function loadCorsConfig(env: NodeJS.ProcessEnv = process.env): CorsConfig {
  const raw = env['CORS_ALLOWED_ORIGINS'] ?? defaultOrigins(env);
  const parsed = parseEnv(z.object({ CORS_ALLOWED_ORIGINS: originList }), { CORS_ALLOWED_ORIGINS: raw });
  return { origins: parsed.CORS_ALLOWED_ORIGINS.map((o) => (o === '*' ? o : o.toLowerCase())) };
}

/**
 * CORS for a JSON API called with Bearer tokens: allowlisted origins only, no cookies
 * (`credentials: false` — tokens travel in the Authorization header, so a foreign page can
 * never ride on a user's ambient credentials), preflight answered with 204 and cached 10 min.
 */
export function applyCors(nest: INestApplication, config: CorsConfig): void {
  if (config.origins.length === 0) return;
  const any = config.origins.includes('*');
  const allowed = new Set(config.origins);
  nest.enableCors({
    origin: (origin: string | undefined, cb: (err: Error | null, allow?: boolean) => void) =>
      cb(null, origin !== undefined && (any || allowed.has(origin.toLowerCase()))),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'if-none-match'],
    exposedHeaders: ['etag', 'retry-after'],
    credentials: false,
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
}
