import { freePort, httpJson, spawnApp, type HttpResult, type RunningApp } from '@danmaku/testing';
import { adminToken, newUser, roomName, startStack, type Stack } from './stack';

/**
 * Issue 14, items 3 (HTTP) and 9: every public HTTP surface is rate limited with counters
 * in Redis shared by the instances, answered `429 RATE_LIMITED` with `Retry-After`; the
 * client address comes from X-Forwarded-For only because these apps trust loopback
 * (TRUSTED_PROXIES); every app sends helmet's headers and no X-Powered-By.
 * Defaults: replay 300 per 10 s per address; moderation 300 per 10 s per address and 150
 * per 10 s per user; over budget, refused for 60 s.
 */
describe('HTTP limits and headers (real apps, real Redis)', () => {
  let stack: Stack;
  let replay2: RunningApp | undefined;
  let addressCounter = 0;
  /** A fresh documentation address per test, so limits of one test never touch another. */
  const newAddress = () => `198.51.100.${++addressCounter}`;

  beforeAll(async () => {
    const trusted = { TRUSTED_PROXIES: 'loopback' };
    stack = await startStack({
      gateways: 1,
      env: { replay: trusted, moderation: trusted, gateway: trusted },
    });
  }, 120_000);

  afterAll(async () => {
    await replay2?.stop();
    await stack?.stop();
  });

  /** `count` requests, `concurrency` at a time, as fast as the app answers. */
  async function flood(count: number, send: (i: number) => Promise<HttpResult>, concurrency = 50) {
    const results: HttpResult[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) results.push(await send(next++));
      }),
    );
    return results;
  }

  function expectRateLimited(res: HttpResult) {
    expect(res.status).toBe(429);
    expect(res.body.error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  }

  it('replay: 500 rapid requests from one address get 429 after 300, another address is served, on every instance', async () => {
    const scraper = newAddress();
    const url = `${stack.replay.url}/v1/rooms/${roomName()}/sessions`;
    const results = await flood(500, () => httpJson('GET', url, { headers: { 'x-forwarded-for': scraper } }));
    const served = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(served).toHaveLength(300);
    expect(refused).toHaveLength(200);
    refused.forEach(expectRateLimited);

    const viewer = await httpJson('GET', url, { headers: { 'x-forwarded-for': newAddress() } });
    expect(viewer.status).toBe(200);
    // The counter is in Redis: a second replay instance refuses the scraper as well.
    replay2 = await spawnApp('replay', {
      port: await freePort(),
      name: 'replay-2',
      env: {
        DANMAKU_NAMESPACE: stack.namespace,
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        TRUSTED_PROXIES: 'loopback',
      },
    });
    const url2 = `${replay2.url}/v1/rooms/${roomName()}/sessions`;
    expectRateLimited(await httpJson('GET', url2, { headers: { 'x-forwarded-for': scraper } }));
    expect((await httpJson('GET', url2, { headers: { 'x-forwarded-for': newAddress() } })).status).toBe(200);
  }, 90_000);

  it('moderation: bad tokens from one address get 429 after 300 (before authentication), another address is served', async () => {
    const flooder = newAddress();
    const url = `${stack.moderation.url}/v1/rooms/${roomName()}`;
    const results = await flood(500, () =>
      httpJson('GET', url, { token: 'not-a-token', headers: { 'x-forwarded-for': flooder } }),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(300);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(200);
    refused.forEach(expectRateLimited);
    const other = await httpJson('GET', url, {
      token: 'not-a-token',
      headers: { 'x-forwarded-for': newAddress() },
    });
    expect(other.status).toBe(401);
    expect(other.body.error.code).toBe('UNAUTHORIZED');
  }, 60_000);

  it('moderation: one user gets 429 after 150 requests in the window whatever address they come from; another user is served', async () => {
    const admin = await adminToken(stack);
    const url = `${stack.moderation.url}/v1/rooms/${roomName()}`;
    const results = await flood(200, () =>
      httpJson('GET', url, { token: admin, headers: { 'x-forwarded-for': newAddress() } }),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(150);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(50);
    refused.forEach(expectRateLimited);
    expect(refused[0].body.error.message).toMatch(/this user/);
    const someoneElse = await newUser(stack, 'limits');
    const res = await httpJson('GET', url, {
      token: someoneElse.token,
      headers: { 'x-forwarded-for': newAddress() },
    });
    expect(res.status).not.toBe(429);
  }, 60_000);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy (auth here trusts none)', async () => {
    // Auth's guest budget is 60 per minute per address: 61 requests, each claiming another
    // address, all come from 127.0.0.1 as far as an app without TRUSTED_PROXIES is concerned.
    const results = await flood(61, () =>
      httpJson('POST', `${stack.auth.url}/v1/auth/guest`, { headers: { 'x-forwarded-for': newAddress() } }),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(60);
    results.filter((r) => r.status !== 200).forEach(expectRateLimited);
  });

  it('never limits the probes, even for an address that is refused', async () => {
    const blocked = newAddress();
    await flood(301, () =>
      httpJson('GET', `${stack.replay.url}/v1/rooms/${roomName()}/sessions`, {
        headers: { 'x-forwarded-for': blocked },
      }),
    );
    for (const path of ['/healthz', '/readyz'])
      expect(
        (await httpJson('GET', `${stack.replay.url}${path}`, { headers: { 'x-forwarded-for': blocked } }))
          .status,
      ).toBe(200);
  });

  it('sends helmet headers and no X-Powered-By from every app', async () => {
    const urls = [
      `${stack.auth.url}/.well-known/jwks.json`,
      `${stack.moderation.url}/v1/rooms/${roomName()}`,
      `${stack.replay.url}/v1/rooms/${roomName()}/sessions`,
      `${stack.gateways[0].url}/healthz`,
    ];
    for (const url of urls) {
      const res = await httpJson('GET', url, { headers: { 'x-forwarded-for': newAddress() } });
      expect({ url, poweredBy: res.headers.get('x-powered-by') }).toEqual({ url, poweredBy: null });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    }
  });
});
