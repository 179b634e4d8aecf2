import type { INestApplication } from '@nestjs/common';
import { setupOpenApi as serveOpenApi } from '@danmaku/platform';
import { MODERATION_SCHEMAS } from './openapi-schemas';

/**
 * Serves the moderation API's OpenAPI document: Swagger UI at `/docs`, JSON at
 * `/docs-json`. Paths come from the controllers themselves, shapes from the contract's
 * zod schemas (openapi-schemas.ts).
 */
export function setupOpenApi(app: INestApplication): void {
  serveOpenApi(app, {
    title: 'Danmaku moderation API',
    description:
      'Room settings, live sessions, moderators, blocked terms, bans and mutes, retraction and the audit log. ' +
      'Errors are `{"error": {"code", "message", "details"?}}`. Protocol reference: docs/protocol/moderation.md.',
    schemas: MODERATION_SCHEMAS,
    bearer: 'every-route',
  });
}
