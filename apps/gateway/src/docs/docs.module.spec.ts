import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Parser } from '@asyncapi/parser';
import { CLIENT_COMMANDS, SERVER_EVENTS } from '@danmaku/contracts';
import { controllerRoutes, moduleControllers } from '@danmaku/platform';
import { AppModule } from '../app.module';
import { loadGatewayConfig } from '../config/gateway.config';
import { DocsModule } from './docs.module';

describe('gateway /docs', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DocsModule.forRoot({ GATEWAY_PUBLIC_URL: 'https://live.example' })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(() => app?.close());

  it('is registered in the gateway', () => {
    const routes = controllerRoutes(moduleControllers(AppModule.forRoot(loadGatewayConfig({}), 'docs-test')));
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['GET /docs', 'GET /docs/asyncapi.json']),
    );
  });

  it('serves a valid AsyncAPI 3 document naming GATEWAY_PUBLIC_URL', async () => {
    const res = await fetch(`${url}/docs/asyncapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { document, diagnostics } = await new Parser().parse(await res.text());
    expect(diagnostics.filter((d) => d.severity === 0)).toEqual([]);
    expect(document?.servers().get('gateway')?.url()).toBe('wss://live.example/socket.io');
  });

  it('serves a page that names every command and event, without scripts', async () => {
    const res = await fetch(`${url}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    for (const event of [...Object.keys(CLIENT_COMMANDS), ...Object.keys(SERVER_EVENTS)])
      expect(html).toContain(`<code>${event}</code>`);
    expect(html).toContain('href="/docs/asyncapi.json"');
    expect(html).not.toContain('<script');
  });
});
