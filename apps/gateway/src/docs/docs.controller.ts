import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { AsyncApiDocument } from '@danmaku/contracts';
import { ASYNCAPI_DOCUMENT, ASYNCAPI_JSON_PATH, ASYNCAPI_PAGE } from './docs.tokens';

/** The socket protocol for people (`/docs`) and for tools (`/docs/asyncapi.json`). */
@Controller('docs')
export class DocsController {
  constructor(
    @Inject(ASYNCAPI_DOCUMENT) private readonly document: AsyncApiDocument,
    @Inject(ASYNCAPI_PAGE) private readonly page: string,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  html(): string {
    return this.page;
  }

  @Get(ASYNCAPI_JSON_PATH.slice('/docs/'.length))
  json(): AsyncApiDocument {
    return this.document;
  }
}
