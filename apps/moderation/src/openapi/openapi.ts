import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { componentSchemas } from './openapi-schemas';

/** Where the browsable document lives; `/docs-json` has the raw OpenAPI JSON. */
export const DOCS_PATH = 'docs';

/**
 * Serves the moderation API's OpenAPI document: Swagger UI at `/docs`, JSON at
 * `/docs-json`. Paths come from the controllers themselves, shapes from the contract's
 * zod schemas (openapi-schemas.ts).
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Danmaku moderation API')
    .setDescription(
      'Room settings, live sessions, moderators, blocked terms, bans and mutes, retraction and the audit log. ' +
        'Errors are `{"error": {"code", "message", "details"?}}`. Protocol reference: docs/protocol/moderation.md.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from the auth app' })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...componentSchemas() } };
  // Health and metrics are for operators, not API clients.
  for (const path of Object.keys(document.paths)) if (!path.startsWith('/v1/')) delete document.paths[path];
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}-json`, customSiteTitle: 'Danmaku moderation API' });
}
