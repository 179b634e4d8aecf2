import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';
import { commonEnvShape, parseEnv } from '../config/config';
import { HealthController } from '../health/health.controller';
import { BEARER_SCHEME } from './api-route.decorator';
import { controllerRoutes } from './http-routes';
import { componentSchemas, type OpenApiSchemas } from './openapi-schemas';

const gatewayUrlEnv = z.object({ GATEWAY_PUBLIC_URL: commonEnvShape.GATEWAY_PUBLIC_URL });

/** Where the browsable document lives; `/docs-json` has the raw OpenAPI JSON. */
export const DOCS_PATH = 'docs';

export interface OpenApiOptions {
  title: string;
  description: string;
  schemas: OpenApiSchemas;
  /**
   * `every-route`: each operation needs a bearer token; `per-route`: only the operations
   * documented with `bearer: true`; `none`: no bearer scheme at all.
   */
  bearer: 'every-route' | 'per-route' | 'none';
  /**
   * The gateway's public URL, whose `/docs` (the socket protocol, AsyncAPI) the page links to.
   * Default: `GATEWAY_PUBLIC_URL`, which every app's config already validated at start-up.
   */
  gatewayUrl?: string;
}

/** The gateway's AsyncAPI page, linked from every OpenAPI page. */
export function socketProtocolDocsUrl(gatewayUrl: string): string {
  return `${gatewayUrl.replace(/\/+$/, '')}/docs`;
}

/**
 * Serves an app's OpenAPI document: Swagger UI at `/docs`, JSON at `/docs-json`. Paths come
 * from the controllers themselves, shapes from the contract's zod schemas; the operator
 * routes (`/healthz`, `/readyz`, `/metrics`) are left out, they are not for API clients.
 *
 * @example
 * ```ts
 * runHttpApp({ …, configure: (nest) => setupOpenApi(nest, { title: 'Danmaku replay API', … }) });
 * ```
 */
export function setupOpenApi(app: INestApplication, options: OpenApiOptions): OpenAPIObject {
  const gatewayUrl = options.gatewayUrl ?? parseEnv(gatewayUrlEnv).GATEWAY_PUBLIC_URL;
  const socketDocs = socketProtocolDocsUrl(gatewayUrl);
  const builder = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(
      `${options.description}\n\nLive danmaku travel over the gateway's Socket.IO protocol: ` +
        `[its AsyncAPI document](${socketDocs}).`,
    )
    .setExternalDoc('Socket protocol (AsyncAPI)', socketDocs)
    .setVersion('1');
  if (options.bearer !== 'none') {
    builder.addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from the auth app' },
      BEARER_SCHEME,
    );
  }
  if (options.bearer === 'every-route') builder.addSecurityRequirements(BEARER_SCHEME);
  const document = SwaggerModule.createDocument(app, builder.build());
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...componentSchemas(options.schemas) },
  };
  for (const { path } of controllerRoutes([HealthController])) delete document.paths[path];
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    customSiteTitle: options.title,
  });
  return document;
}
