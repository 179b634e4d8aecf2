import type { INestApplication } from '@nestjs/common';
import { setupOpenApi as serveOpenApi } from '@danmaku/platform';
import { REPLAY_SCHEMAS } from './openapi-schemas';

/**
 * Serves the replay API's OpenAPI document: Swagger UI at `/docs`, JSON at `/docs-json`.
 * Paths come from the controllers, shapes from the contract's zod schemas.
 */
export function setupOpenApi(app: INestApplication): void {
  serveOpenApi(app, {
    title: 'Danmaku replay API',
    description:
      'Recorded sessions, their danmaku timelines and density, and room history. Public and read-only. ' +
      'Errors are `{"error": {"code", "message", "details"?}}`. Protocol reference: docs/protocol/replay.md.',
    schemas: REPLAY_SCHEMAS,
    bearer: 'none',
  });
}
