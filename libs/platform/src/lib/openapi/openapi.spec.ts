import type { AddressInfo } from 'node:net';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { setupOpenApi, socketProtocolDocsUrl } from './openapi';

@Controller('v1/things')
class ThingsController {
  @Get()
  list(): string[] {
    return [];
  }
}

async function appWithDocs(gatewayUrl?: string) {
  const moduleRef = await Test.createTestingModule({ controllers: [ThingsController] }).compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: false });
  const document = setupOpenApi(app, {
    title: 'Things',
    description: 'Things API.',
    schemas: {},
    bearer: 'none',
    gatewayUrl,
  });
  await app.listen(0, '127.0.0.1');
  return { app, document, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
}

describe('setupOpenApi', () => {
  it("links the page to the gateway's AsyncAPI document", async () => {
    const { app, url } = await appWithDocs('https://live.example/');
    try {
      const doc = (await (await fetch(`${url}/docs-json`)).json()) as {
        info: { description: string };
        externalDocs: { url: string };
      };
      expect(doc.externalDocs.url).toBe('https://live.example/docs');
      expect(doc.info.description).toBe(
        "Things API.\n\nLive danmaku travel over the gateway's Socket.IO protocol: [its AsyncAPI document](https://live.example/docs).",
      );
    } finally {
      await app.close();
    }
  });

  it('takes the gateway URL from GATEWAY_PUBLIC_URL, defaulting to the local gateway', async () => {
    const saved = process.env['GATEWAY_PUBLIC_URL'];
    delete process.env['GATEWAY_PUBLIC_URL'];
    try {
      const local = await appWithDocs();
      await local.app.close();
      expect(local.document.externalDocs?.url).toBe('http://127.0.0.1:3000/docs');
      process.env['GATEWAY_PUBLIC_URL'] = 'https://gw.example';
      const configured = await appWithDocs();
      await configured.app.close();
      expect(configured.document.externalDocs?.url).toBe('https://gw.example/docs');
    } finally {
      if (saved === undefined) delete process.env['GATEWAY_PUBLIC_URL'];
      else process.env['GATEWAY_PUBLIC_URL'] = saved;
    }
  });

  it('builds the link from a base URL with or without a trailing slash', () => {
    expect(socketProtocolDocsUrl('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000/docs');
    expect(socketProtocolDocsUrl('https://live.example/')).toBe('https://live.example/docs');
  });
});
