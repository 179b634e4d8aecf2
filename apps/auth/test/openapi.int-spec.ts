import { GUARDS_METADATA } from '@nestjs/common/constants';
import {
  BearerAuthGuard,
  HealthController,
  controllerRoutes,
  moduleControllers,
  type HttpRoute,
} from '@danmaku/platform';
import {
  dropNamespace,
  freePort,
  httpJson,
  spawnApp,
  testInfra,
  uniqueId,
  type RunningApp,
} from '@danmaku/testing';
import { AppModule } from '../src/app.module';
import { loadAuthConfig } from '../src/config/auth.config';

/** The built auth app's OpenAPI document, checked against the routes its controllers serve. */
const infra = testInfra();
const ns = uniqueId('it-auth-docs').toLowerCase();
let app: RunningApp;

/** Every route of the app (read from its modules, as Nest routes them) except the operator ones. */
const operatorPaths = new Set(controllerRoutes([HealthController]).map((r) => r.path));
const routes = controllerRoutes(moduleControllers(AppModule.forRoot(loadAuthConfig({}), 'docs-test'))).filter(
  (r) => !operatorPaths.has(r.path),
);
const key = (r: Pick<HttpRoute, 'method' | 'path'>) => `${r.method} ${r.path}`;
const needsToken = (r: HttpRoute) =>
  [r.controller, r.handler].some((target) =>
    ((Reflect.getMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? []).includes(BearerAuthGuard),
  );

beforeAll(async () => {
  app = await spawnApp('auth', {
    port: await freePort(),
    env: { DANMAKU_NAMESPACE: ns, KAFKA_BROKERS: infra.kafkaBrokers, REDIS_URL: infra.redisUrl },
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await dropNamespace(ns);
});

describe('auth OpenAPI document', () => {
  it('serves a browsable UI at /docs', async () => {
    const res = await fetch(`${app.url}/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger-ui');
  });

  it('documents every route the controllers serve, and only those', async () => {
    const doc = await httpJson('GET', `${app.url}/docs-json`);
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(routes.length).toBeGreaterThanOrEqual(9);
    const paths = doc.body.paths as Record<string, Record<string, any>>;
    const listed = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual(routes.map(key).sort());
  });

  it('gives every route a summary, its answer, its parameters, bearer auth where needed and the contract error body', async () => {
    const doc = (await httpJson('GET', `${app.url}/docs-json`)).body;
    const error = { $ref: '#/components/schemas/Error' };
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const route of routes) {
      const where = key(route);
      const op = doc.paths[route.path][route.method.toLowerCase()];
      expect({ where, summary: typeof op.summary }).toEqual({ where, summary: 'string' });
      const statuses = Object.keys(op.responses);
      expect({ where, ok: statuses.filter((s) => s.startsWith('2')).length }).toEqual({ where, ok: 1 });
      expect({ where, has503: statuses.includes('503') }).toEqual({ where, has503: true });
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        expect({ where, status, schema: op.responses[status].content?.['application/json'].schema }).toEqual({
          where,
          status,
          schema: error,
        });
      }
      const params = (route.path.match(/\{(\w+)\}/g) ?? []).map((p) => p.slice(1, -1));
      const documented = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
      expect({ where, params: documented }).toEqual({ where, params });
      const security = needsToken(route) ? [{ bearer: [] }] : undefined;
      expect({ where, security: op.security }).toEqual({ where, security });
      if (security) expect({ where, has401: statuses.includes('401') }).toEqual({ where, has401: true });
    }
  });

  it('describes answers with the shapes the API really sends', async () => {
    const doc = (await httpJson('GET', `${app.url}/docs-json`)).body;
    const schemas = doc.components.schemas;
    const ref = (path: string, method: string, status: string) =>
      doc.paths[path][method].responses[status].content['application/json'].schema.$ref.split('/').pop();
    expect(ref('/v1/auth/login', 'post', '200')).toBe('TokenPair');
    expect(ref('/.well-known/jwks.json', 'get', '200')).toBe('Jwks');
    expect(doc.paths['/v1/auth/register'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/RegisterBody',
    });
    expect(schemas.RegisterBody.required.sort()).toEqual(['password', 'username']);

    const guest = await httpJson('POST', `${app.url}/v1/auth/guest`, { body: {} });
    expect(guest.status).toBe(200);
    expect(Object.keys(guest.body).sort()).toEqual(Object.keys(schemas.GuestToken.properties).sort());
    const jwks = await httpJson('GET', `${app.url}/.well-known/jwks.json`);
    expect(Object.keys(jwks.body.keys[0]).sort()).toEqual(
      Object.keys(schemas.Jwks.properties.keys.items.properties).sort(),
    );
  });
});
