import type { INestApplication } from '@nestjs/common';
import { setupOpenApi as serveOpenApi } from '@danmaku/platform';
import { AUTH_SCHEMAS } from './openapi-schemas';

/**
 * Serves the auth API's OpenAPI document: Swagger UI at `/docs`, JSON at `/docs-json`.
 * Paths come from the controllers, shapes from the contract's zod schemas.
 */
export function setupOpenApi(app: INestApplication): void {
  serveOpenApi(app, {
    title: 'Danmaku auth API',
    description:
      'Accounts, logins, guest access, access tokens and their revocation, signing keys (JWKS). ' +
      'Errors are `{"error": {"code", "message", "details"?, "retryAfterMs"?}}`. Protocol reference: docs/protocol/auth.md.',
    schemas: AUTH_SCHEMAS,
    bearer: 'per-route',
  });
}
