import { HealthController, controllerRoutes, moduleControllers, type HttpRoute } from '@danmaku/platform';
import { expectEventually } from '@danmaku/testing';
import { AppModule } from '../src/app.module';
import { loadReplayConfig } from '../src/config/replay.config';
import { ReplayHarness, roomId } from './replay-harness';

jest.setTimeout(90_000);

/** Every route of the app (read from its modules, as Nest routes them) except the operator ones. */
const operatorPaths = new Set(controllerRoutes([HealthController]).map((r) => r.path));
const routes = controllerRoutes(
  moduleControllers(AppModule.forRoot(loadReplayConfig({}), 'docs-test')),
).filter((r) => !operatorPaths.has(r.path));
const key = (r: Pick<HttpRoute, 'method' | 'path'>) => `${r.method} ${r.path}`;

describe('replay OpenAPI document (built replay process)', () => {
  const h = new ReplayHarness();

  beforeAll(() => h.start(), 90_000);
  afterAll(() => h.stop());

  it('serves a browsable UI at /docs', async () => {
    const res = await fetch(`${h.app.url}/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger-ui');
  });

  it('documents every route the controllers serve, and only those', async () => {
    const doc = await h.get('/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(routes.length).toBeGreaterThanOrEqual(4);
    const paths = doc.body.paths as Record<string, Record<string, any>>;
    const listed = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual(routes.map(key).sort());
  });

  it('gives every route a summary, its answer, its parameters and the contract error body; no auth', async () => {
    const doc = (await h.get('/docs-json')).body;
    const error = { $ref: '#/components/schemas/Error' };
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    expect(doc.components.securitySchemes).toBeUndefined();
    for (const route of routes) {
      const where = key(route);
      const op = doc.paths[route.path][route.method.toLowerCase()];
      expect({ where, summary: typeof op.summary, security: op.security }).toEqual({
        where,
        summary: 'string',
        security: undefined,
      });
      expect({ where, ok: op.responses['200']?.content['application/json'].schema.$ref }).toEqual({
        where,
        ok: expect.any(String),
      });
      for (const status of ['400', '503']) {
        expect({ where, status, schema: op.responses[status]?.content['application/json'].schema }).toEqual({
          where,
          status,
          schema: error,
        });
      }
      const params = (route.path.match(/\{(\w+)\}/g) ?? []).map((p) => p.slice(1, -1));
      const documented = op.parameters.filter((p: any) => p.in === 'path').map((p: any) => p.name);
      expect({ where, params: documented }).toEqual({ where, params });
    }
  });

  it('documents queries from the contract schemas and answers with the shapes the API really sends', async () => {
    const doc = (await h.get('/docs-json')).body;
    const op = doc.paths['/v1/rooms/{roomId}/sessions/{sessionId}/danmaku'].get;
    const query = Object.fromEntries(
      op.parameters.filter((p: any) => p.in === 'query').map((p: any) => [p.name, p]),
    );
    expect(Object.keys(query).sort()).toEqual(['cursor', 'fromMs', 'limit', 'toMs']);
    expect(query.limit).toMatchObject({
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    });
    expect(Object.keys(op.responses)).toContain('304');
    expect(op.responses['200'].headers.ETag).toBeDefined();

    const room = roomId('docs');
    await h.accept(h.danmaku(room));
    const schemas = doc.components.schemas;
    await expectEventually(async () => expect((await h.sessions(room))[0]?.count).toBe(1));
    const sessions = await h.get(`/v1/rooms/${room}/sessions`);
    expect(Object.keys(sessions.body.items[0]).sort()).toEqual(
      Object.keys(schemas.SessionList.properties.items.items.properties).sort(),
    );
    const page = await h.get(`/v1/rooms/${room}/sessions/s-1/danmaku`);
    expect(Object.keys(page.body).sort()).toEqual(Object.keys(schemas.DanmakuPage.properties).sort());
    expect(Object.keys(page.body.items[0]).sort()).toEqual(
      Object.keys(schemas.DanmakuPage.properties.items.items.properties).sort(),
    );
    const density = await h.get(`/v1/rooms/${room}/sessions/s-1/density`);
    expect(Object.keys(density.body).sort()).toEqual(Object.keys(schemas.SessionDensity.properties).sort());
  });
});
