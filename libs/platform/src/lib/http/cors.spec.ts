import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '../config/config';
import { applyCors, loadCorsConfig } from './cors';

describe('loadCorsConfig', () => {
  it('allows the local web app by default, following WEB_PORT', () => {
    expect(loadCorsConfig({}).origins).toEqual(['http://127.0.0.1:3004', 'http://localhost:3004']);
    expect(loadCorsConfig({ WEB_PORT: '8080' }).origins).toEqual([
      'http://127.0.0.1:8080',
      'http://localhost:8080',
    ]);
  });

  it('reads a comma-separated list, * and empty', () => {
    expect(
      loadCorsConfig({ CORS_ALLOWED_ORIGINS: 'https://A.example, http://b.example:8080' }).origins,
    ).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(loadCorsConfig({ CORS_ALLOWED_ORIGINS: '*' }).origins).toEqual(['*']);
    expect(loadCorsConfig({ CORS_ALLOWED_ORIGINS: '' }).origins).toEqual([]);
  });

  it('names the variable when an origin has a path or no scheme', () => {
    expect(() => loadCorsConfig({ CORS_ALLOWED_ORIGINS: 'https://a.example/app' })).toThrow(ConfigError);
    expect(() => loadCorsConfig({ CORS_ALLOWED_ORIGINS: 'a.example' })).toThrow(/CORS_ALLOWED_ORIGINS/);
  });
});

@Controller()
class PingController {
  @Get('/v1/ping')
  ping() {
    return { ok: true };
  }
}

@Module({ controllers: [PingController] })
class PingModule {}

describe('applyCors', () => {
  let nest: INestApplication;
  let url: string;

  beforeAll(async () => {
    nest = await NestFactory.create(PingModule, { logger: false });
    applyCors(nest, { origins: ['http://127.0.0.1:3004'] });
    await nest.listen(0, '127.0.0.1');
    url = await nest.getUrl();
  });

  afterAll(async () => {
    await nest.close();
  });

  it('answers a preflight from an allowed origin with 204 and the allowed headers', async () => {
    const res = await fetch(`${url}/v1/ping`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:3004',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3004');
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type,if-none-match');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('echoes an allowed origin on simple requests and says nothing to others', async () => {
    const ok = await fetch(`${url}/v1/ping`, { headers: { origin: 'http://127.0.0.1:3004' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3004');
    expect(ok.headers.get('access-control-expose-headers')).toBe('etag,retry-after');
    const other = await fetch(`${url}/v1/ping`, { headers: { origin: 'http://evil.example' } });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
