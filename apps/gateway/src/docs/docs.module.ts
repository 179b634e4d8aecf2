import { Module, type DynamicModule } from '@nestjs/common';
import { asyncApiDocument } from '@danmaku/contracts';
import type { GatewayConfig } from '../config/gateway.config';
import { renderAsyncApiPage } from './asyncapi-page';
import { DocsController } from './docs.controller';
import { ASYNCAPI_DOCUMENT, ASYNCAPI_JSON_PATH, ASYNCAPI_PAGE } from './docs.tokens';

/**
 * Serves the AsyncAPI 3 document of the socket protocol at `/docs` (HTML) and
 * `/docs/asyncapi.json`, naming `GATEWAY_PUBLIC_URL` as the server.
 */
@Module({})
export class DocsModule {
  static forRoot(config: Pick<GatewayConfig, 'GATEWAY_PUBLIC_URL'>): DynamicModule {
    const document = asyncApiDocument({ gatewayUrl: config.GATEWAY_PUBLIC_URL });
    return {
      module: DocsModule,
      controllers: [DocsController],
      providers: [
        { provide: ASYNCAPI_DOCUMENT, useValue: document },
        { provide: ASYNCAPI_PAGE, useValue: renderAsyncApiPage(document, ASYNCAPI_JSON_PATH) },
      ],
    };
  }
}
