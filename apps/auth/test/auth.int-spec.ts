import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { SignJWT, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import {
  KAFKA_TOPICS,
  accessTokenClaimsSchema,
  guestTokenSchema,
  meResponseSchema,
  registeredUserSchema,
  sharedRedisKeys,
  tokenPairSchema,
  userAccountSchema,
  type AuthSessionEvent,
} from '@danmaku/contracts';
import { KafkaClient, TypedConsumer } from '@danmaku/kafka';
import { TokenVerifier } from '@danmaku/platform';
import {
  dropNamespace,
  expectEventually,
  freePort,
  httpJson,
  spawnApp,
  testInfra,
  uniqueId,
  type HttpResult,
  type RunningApp,
} from '@danmaku/testing';
import { loadKeyEncryptionKey, openKeySet } from '../src/keys/key-encryption';

/**
 * The built auth app (two instances on one namespace, started at the same moment) against
 * real Redis and Kafka. Instance A trusts X-Forwarded-For from loopback, so each test can
 * act from its own client address; instance B keeps the default (socket address only).
 */
const infra = testInfra();
const ns = uniqueId('it-auth').toLowerCase();
const ISSUER = 'it-issuer';
const AUDIENCE = 'it-audience';
const ADMIN = { username: 'root_admin', password: 'root-password-1' };
const LIMITS = { perUsername: 3, perIp: 6, registerPerIp: 3, guestPerIp: 3 };
const AUTH_KEK_TEXT = randomBytes(32).toString('base64');
const KEK = loadKeyEncryptionKey({ AUTH_KEK: AUTH_KEK_TEXT });
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let a: RunningApp;
let b: RunningApp;
let redis: Redis;
let kafka: KafkaClient;
let consumer: TypedConsumer<typeof KAFKA_TOPICS.authSessions.schema>;
const sessionEvents: AuthSessionEvent[] = [];

let ipCounter = 0;
/** A fresh client address, so rate limits of one test never touch another. */
const newIp = () => `10.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}.7`;

type Opts = {
  body?: unknown;
  rawBody?: string;
  token?: string;
  ip?: string;
  headers?: Record<string, string>;
};
function call<T = any>(
  app: RunningApp,
  method: string,
  path: string,
  opts: Opts = {},
): Promise<HttpResult<T>> {
  const headers = { ...(opts.headers ?? {}), 'x-forwarded-for': opts.ip ?? newIp() };
  return httpJson<T>(method, `${app.url}${path}`, {
    body: opts.body,
    rawBody: opts.rawBody,
    token: opts.token,
    headers,
  });
}

let userCounter = 0;
const newUsername = (prefix = 'user') => `${prefix}_${Date.now().toString(36)}_${++userCounter}`;

async function registerAndLogin(prefix = 'user') {
  const username = newUsername(prefix);
  const password = 'password-' + username;
  const reg = await call(a, 'POST', '/v1/auth/register', { body: { username, password } });
  expect(reg.status).toBe(201);
  const login = await call(a, 'POST', '/v1/auth/login', { body: { username, password } });
  expect(login.status).toBe(200);
  return {
    username,
    password,
    userId: reg.body.userId as string,
    accessToken: login.body.accessToken as string,
    refreshToken: login.body.refreshToken as string,
    sessionId: decodeJwt(login.body.accessToken as string)['sid'] as string,
  };
}

async function adminToken(): Promise<string> {
  const res = await call(a, 'POST', '/v1/auth/login', { body: ADMIN });
  expect(res.status).toBe(200);
  return res.body.accessToken as string;
}

function expectError(res: HttpResult, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe('string');
}

/** Signs a token with the real signing key, read from the key store (for forged-claim cases). */
async function signWithRealKey(
  claims: Record<string, unknown>,
  opts: { iat: number; exp: number; aud?: string; iss?: string },
) {
  // The set is sealed in Redis (issue 14): only a holder of the KEK can forge with it.
  const set = JSON.parse(await openKeySet((await redis.get('auth:signing-keys')) as string, KEK));
  const current = set.keys.find((k: { kid: string }) => k.kid === set.currentKid);
  const key = await importJWK(current.privateJwk, 'EdDSA');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: current.kid })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt(opts.iat)
    .setExpirationTime(opts.exp)
    .sign(key);
}

beforeAll(async () => {
  const [portA, portB] = await Promise.all([freePort(), freePort()]);
  const env = {
    DANMAKU_NAMESPACE: ns,
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
    TOKEN_ISSUER: ISSUER,
    TOKEN_AUDIENCE: AUDIENCE,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOGIN_MAX_FAILURES_PER_USERNAME: String(LIMITS.perUsername),
    LOGIN_MAX_FAILURES_PER_IP: String(LIMITS.perIp),
    REGISTER_MAX_PER_IP: String(LIMITS.registerPerIp),
    GUEST_MAX_PER_IP: String(LIMITS.guestPerIp),
    AUTH_KEK: AUTH_KEK_TEXT,
  };
  // Both at once: they race to create the signing key set and the admin account.
  [a, b] = await Promise.all([
    spawnApp('auth', { port: portA, env: { ...env, TRUSTED_PROXIES: 'loopback' }, name: 'auth-a' }),
    spawnApp('auth', { port: portB, env, name: 'auth-b' }),
  ]);
  redis = new Redis(infra.redisUrl, { keyPrefix: `${ns}:`, lazyConnect: false });
  kafka = new KafkaClient({ brokers: infra.kafkaBrokers.split(','), clientId: `${ns}-test`, namespace: ns });
  consumer = new TypedConsumer(kafka, {
    topic: KAFKA_TOPICS.authSessions,
    app: 'it',
    purpose: uniqueId('auth-events'),
    fromBeginning: true,
    handleBatch: async (messages) => {
      sessionEvents.push(...messages.map((m) => m.value));
    },
  });
  await consumer.start();
}, 120_000);

afterAll(async () => {
  await consumer?.stop().catch(() => undefined);
  await Promise.all([a?.stop(), b?.stop()]);
  redis?.disconnect();
  await dropNamespace(ns);
}, 60_000);

describe('auth app (built, two instances, real Redis and Kafka)', () => {
  it('serves health, readiness (Redis, Kafka producer, keys, admin) and metrics', async () => {
    for (const app of [a, b]) {
      expect((await httpJson('GET', `${app.url}/healthz`)).status).toBe(200);
      const ready = await httpJson('GET', `${app.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({
        redis: true,
        'kafka-broker': true,
        'kafka-producer': true,
        'signing-keys': true,
        'admin-account': true,
      });
    }
    await registerAndLogin('metrics');
    const metrics = await fetch(`${a.metricsUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^auth_logins_total\{result="ok",app="auth"/m);
    expect(metrics).toMatch(/^auth_registrations_total\{result="ok"/m);
    expect(metrics).toContain('# TYPE auth_refreshes_total counter');
    expect(metrics).toContain('# TYPE auth_session_revocations_total counter');
  });

  it('lets two instances started together agree on one signing key and one admin', async () => {
    const [jwksA, jwksB] = await Promise.all([
      httpJson('GET', `${a.url}/.well-known/jwks.json`),
      httpJson('GET', `${b.url}/.well-known/jwks.json`),
    ]);
    expect(jwksA.body.keys).toHaveLength(1);
    expect(jwksB.body).toEqual(jwksA.body);

    const [loginA, loginB] = await Promise.all([
      call(a, 'POST', '/v1/auth/login', { body: ADMIN }),
      call(b, 'POST', '/v1/auth/login', { body: { ...ADMIN, username: ADMIN.username.toUpperCase() } }),
    ]);
    expect(loginA.status).toBe(200);
    expect(loginB.status).toBe(200);
    const subA = decodeJwt(loginA.body.accessToken).sub;
    expect(decodeJwt(loginB.body.accessToken).sub).toBe(subA);
    const me = await call(b, 'GET', '/v1/auth/me', { token: loginA.body.accessToken });
    expect(me.body).toEqual({
      userId: subA,
      username: ADMIN.username,
      nickname: ADMIN.username,
      role: 'admin',
    });
  });

  it('publishes a JWKS that verifies its tokens with jose and with the platform TokenVerifier', async () => {
    const jwks = await httpJson('GET', `${a.url}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    const [key] = jwks.body.keys;
    expect(key).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
      kid: expect.any(String),
      alg: 'EdDSA',
      use: 'sig',
    });

    const user = await registerAndLogin('jwks');
    expect(decodeProtectedHeader(user.accessToken)).toMatchObject({ alg: 'EdDSA', kid: key.kid });
    const { payload } = await jwtVerify(
      user.accessToken,
      createRemoteJWKSet(new URL(`${b.url}/.well-known/jwks.json`)),
      {
        algorithms: ['EdDSA'],
        issuer: ISSUER,
        audience: AUDIENCE,
      },
    );
    const claims = accessTokenClaimsSchema.parse(payload);
    expect(claims).toMatchObject({
      sub: user.userId,
      name: user.username,
      role: 'user',
      sid: user.sessionId,
    });
    expect(claims.exp - claims.iat).toBe(900);

    const verifier = new TokenVerifier({
      jwksUrl: `${a.url}/.well-known/jwks.json`,
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await expect(verifier.verify(user.accessToken)).resolves.toEqual({
      userId: user.userId,
      nickname: user.username,
      role: 'user',
      sessionId: user.sessionId,
      expiresAt: claims.exp * 1000,
    });
  });

  it('registers (nickname defaults, unknown fields ignored), logs in case-insensitively and answers /me', async () => {
    const username = newUsername('Reg');
    const reg = await call(a, 'POST', '/v1/auth/register', {
      body: { username, password: 'a-good-password', nickname: '  Nick Name  ', isAdmin: true },
    });
    expect(reg.status).toBe(201);
    expect(reg.body).toEqual({ userId: expect.stringMatching(UUID_V7), username, nickname: 'Nick Name' });
    registeredUserSchema.strict().parse(reg.body);

    const plain = await call(a, 'POST', '/v1/auth/register', {
      body: { username: newUsername('plain'), password: 'a-good-password' },
    });
    expect(plain.body.nickname).toBe(plain.body.username);

    expectError(
      await call(b, 'POST', '/v1/auth/register', {
        body: { username: username.toLowerCase(), password: 'another-password' },
      }),
      409,
      'USERNAME_TAKEN',
    );

    const login = await call(a, 'POST', '/v1/auth/login', {
      body: { username: username.toUpperCase(), password: 'a-good-password' },
    });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
    });
    expect(login.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    tokenPairSchema.strict().parse(login.body);

    for (const app of [a, b]) {
      const me = await call(app, 'GET', '/v1/auth/me', { token: login.body.accessToken });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ userId: reg.body.userId, username, nickname: 'Nick Name', role: 'user' });
      meResponseSchema.strict().parse(me.body);
    }
    expectError(await call(a, 'GET', '/v1/auth/me'), 401, 'UNAUTHORIZED');
  });

  it('lets only one of two concurrent registrations of a name win', async () => {
    const username = newUsername('race');
    const results = await Promise.all([
      call(a, 'POST', '/v1/auth/register', { body: { username, password: 'password-one' } }),
      call(b, 'POST', '/v1/auth/register', {
        body: { username: username.toUpperCase(), password: 'password-two' },
      }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)?.body.error.code).toBe('USERNAME_TAKEN');
  });

  it('takes as long for an unknown username as for a wrong password (no enumeration by timing)', async () => {
    const timed = async (body: unknown) => {
      const started = performance.now();
      const res = await call(a, 'POST', '/v1/auth/login', { body });
      expectError(res, 401, 'INVALID_CREDENTIALS');
      return performance.now() - started;
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      const username = newUsername('timing');
      expect(
        (await call(a, 'POST', '/v1/auth/register', { body: { username, password: 'the-right-one' } }))
          .status,
      ).toBe(201);
      // Interleaved, so load on the machine hits both series alike.
      wrong.push(await timed({ username, password: 'a-wrong-one' }));
      unknown.push(await timed({ username: newUsername('nobody'), password: 'a-wrong-one' }));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    // Without the dummy hash an unknown name answers in a few ms and a wrong password
    // pays a full argon2id verification (tens of ms): a ratio near 0.
    expect(median(wrong)).toBeGreaterThan(10);
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const user = await registerAndLogin('creds');
    const wrong = await call(a, 'POST', '/v1/auth/login', {
      body: { username: user.username, password: 'not-the-password' },
    });
    const unknown = await call(a, 'POST', '/v1/auth/login', {
      body: { username: newUsername('ghost'), password: 'not-the-password' },
    });
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('issues guest tokens that may be revoked', async () => {
    const anon = await call(a, 'POST', '/v1/auth/guest');
    expect(anon.status).toBe(200);
    expect(anon.body).toEqual({ accessToken: expect.any(String), expiresIn: 3600 });
    guestTokenSchema.strict().parse(anon.body);
    const claims = accessTokenClaimsSchema.parse(decodeJwt(anon.body.accessToken));
    expect(claims).toMatchObject({
      role: 'guest',
      sub: expect.stringMatching(/^guest-/),
      name: expect.stringMatching(/^guest-[0-9a-f]{4}$/),
    });
    expect(claims.exp - claims.iat).toBe(3600);

    const named = await call(a, 'POST', '/v1/auth/guest', { body: { nickname: ' Watcher ' } });
    expect(decodeJwt(named.body.accessToken)['name']).toBe('Watcher');
    const me = await call(b, 'GET', '/v1/auth/me', { token: named.body.accessToken });
    expect(me.body).toEqual({
      userId: decodeJwt(named.body.accessToken).sub,
      username: null,
      nickname: 'Watcher',
      role: 'guest',
    });
    meResponseSchema.strict().parse(me.body);

    expect((await call(a, 'POST', '/v1/auth/logout', { token: named.body.accessToken })).status).toBe(204);
    expectError(await call(a, 'GET', '/v1/auth/me', { token: named.body.accessToken }), 401, 'UNAUTHORIZED');
    const sid = decodeJwt(named.body.accessToken)['sid'];
    expect(await redis.ttl(sharedRedisKeys.revokedSession(sid as string))).toBeGreaterThan(3600); // guest lifetime + slack
  });

  it('rotates refresh tokens; replaying a spent one revokes the whole session', async () => {
    const user = await registerAndLogin('rotate');
    const first = await call(a, 'POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
    });
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    expect(decodeJwt(first.body.accessToken)['sid']).toBe(user.sessionId);

    // Rotation works on the other instance too.
    const second = await call(b, 'POST', '/v1/auth/refresh', {
      body: { refreshToken: first.body.refreshToken },
    });
    expect(second.status).toBe(200);
    expect((await call(a, 'GET', '/v1/auth/me', { token: second.body.accessToken })).status).toBe(200);

    // The first token is spent: replaying it is taken as theft.
    expectError(
      await call(a, 'POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } }),
      401,
      'UNAUTHORIZED',
    );
    // ... and the whole session is gone: the newest refresh token and the access tokens too.
    expectError(
      await call(a, 'POST', '/v1/auth/refresh', { body: { refreshToken: second.body.refreshToken } }),
      401,
      'UNAUTHORIZED',
    );
    expectError(await call(b, 'GET', '/v1/auth/me', { token: second.body.accessToken }), 401, 'UNAUTHORIZED');
    expect(await redis.get(sharedRedisKeys.revokedSession(user.sessionId))).toBe('1');
    await expectEventually(
      () =>
        expect(sessionEvents).toContainEqual({
          type: 'session.revoked',
          sessionId: user.sessionId,
          userId: user.userId,
          at: expect.any(Number),
        }),
      { timeoutMs: 20_000 },
    );

    expectError(
      await call(a, 'POST', '/v1/auth/refresh', { body: { refreshToken: 'never-issued' } }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('lets only one of two concurrent refreshes with the same token win, and then revokes the session', async () => {
    const user = await registerAndLogin('parallel');
    const results = await Promise.all([
      call(a, 'POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } }),
      call(b, 'POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.status === 200) as HttpResult;
    // The loser presented a token that had just been spent: a replay, so the session is gone.
    expectError(await call(a, 'GET', '/v1/auth/me', { token: winner.body.accessToken }), 401, 'UNAUTHORIZED');
    expectError(
      await call(a, 'POST', '/v1/auth/refresh', { body: { refreshToken: winner.body.refreshToken } }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('logs out: 204, the session is revoked in Redis, announced on Kafka and refused everywhere', async () => {
    const user = await registerAndLogin('logout');
    const other = await call(a, 'POST', '/v1/auth/login', {
      body: { username: user.username, password: user.password },
    });
    const res = await call(a, 'POST', '/v1/auth/logout', { token: user.accessToken });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();

    for (const app of [a, b]) {
      const me = await call(app, 'GET', '/v1/auth/me', { token: user.accessToken });
      expectError(me, 401, 'UNAUTHORIZED');
      expect(me.body.error.message).toBe('Session revoked');
    }
    expectError(await call(a, 'POST', '/v1/auth/logout', { token: user.accessToken }), 401, 'UNAUTHORIZED');
    expectError(
      await call(a, 'POST', '/v1/auth/refresh', { body: { refreshToken: user.refreshToken } }),
      401,
      'UNAUTHORIZED',
    );

    const key = sharedRedisKeys.revokedSession(user.sessionId);
    expect(await redis.get(key)).toBe('1');
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(3600); // max(access 900, guest 3600) + 60
    expect(ttl).toBeLessThanOrEqual(3660);

    await expectEventually(
      () =>
        expect(sessionEvents).toContainEqual({
          type: 'session.revoked',
          sessionId: user.sessionId,
          userId: user.userId,
          at: expect.any(Number),
        }),
      { timeoutMs: 20_000 },
    );
    // Another session of the same account is untouched.
    expect((await call(a, 'GET', '/v1/auth/me', { token: other.body.accessToken })).status).toBe(200);
    expectError(await call(a, 'POST', '/v1/auth/logout'), 401, 'UNAUTHORIZED');
  });

  it('lets admins change roles (403 for others, 404 for unknown users) and revokes sessions on demotion', async () => {
    const admin = await adminToken();
    const user = await registerAndLogin('role');
    const bystander = await registerAndLogin('bystander');
    const path = `/v1/users/${user.userId}/role`;

    expectError(await call(a, 'PUT', path, { body: { role: 'admin' } }), 401, 'UNAUTHORIZED');
    expectError(
      await call(a, 'PUT', path, { token: bystander.accessToken, body: { role: 'admin' } }),
      403,
      'FORBIDDEN',
    );
    // The role check comes before body validation: a non-admin learns nothing more.
    expectError(
      await call(a, 'PUT', path, { token: bystander.accessToken, body: { role: 'god' } }),
      403,
      'FORBIDDEN',
    );
    const guest = await call(a, 'POST', '/v1/auth/guest');
    expectError(
      await call(a, 'PUT', path, { token: guest.body.accessToken, body: { role: 'admin' } }),
      403,
      'FORBIDDEN',
    );

    const bad = await call(a, 'PUT', path, { token: admin, body: { role: 'guest' } });
    expectError(bad, 400, 'INVALID_PAYLOAD');
    expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'role' })]);
    expectError(
      await call(a, 'PUT', `/v1/users/no-such-user/role`, { token: admin, body: { role: 'admin' } }),
      404,
      'NOT_FOUND',
    );

    const promoted = await call(b, 'PUT', path, { token: admin, body: { role: 'admin' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toEqual({
      userId: user.userId,
      username: user.username,
      nickname: user.username,
      role: 'admin',
    });
    userAccountSchema.strict().parse(promoted.body);
    // The next refresh carries the new role.
    const refreshed = await call(a, 'POST', '/v1/auth/refresh', {
      body: { refreshToken: user.refreshToken },
    });
    expect(decodeJwt(refreshed.body.accessToken)['role']).toBe('admin');
    expect(
      (
        await call(a, 'PUT', `/v1/users/${bystander.userId}/role`, {
          token: refreshed.body.accessToken,
          body: { role: 'user' },
        })
      ).status,
    ).toBe(200);

    const demoted = await call(a, 'PUT', path, { token: admin, body: { role: 'user' } });
    expect(demoted.body.role).toBe('user');
    // Its admin tokens must not outlive the demotion.
    expectError(
      await call(a, 'GET', '/v1/auth/me', { token: refreshed.body.accessToken }),
      401,
      'UNAUTHORIZED',
    );
    await expectEventually(
      () =>
        expect(sessionEvents).toContainEqual(
          expect.objectContaining({ sessionId: user.sessionId, userId: user.userId }),
        ),
      { timeoutMs: 20_000 },
    );
  });

  it('limits failed logins per username with 429, Retry-After and retryAfterMs', async () => {
    const user = await registerAndLogin('limited');
    for (let i = 0; i < LIMITS.perUsername; i++) {
      expectError(
        await call(a, 'POST', '/v1/auth/login', {
          body: { username: user.username, password: 'wrong-password' },
        }),
        401,
        'INVALID_CREDENTIALS',
      );
    }
    // Even the right password, from yet another address, is refused now.
    const limited = await call(a, 'POST', '/v1/auth/login', {
      body: { username: user.username.toUpperCase(), password: user.password },
    });
    expectError(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(limited.body.error.retryAfterMs).toBeGreaterThan(0);
    expect(Math.ceil(limited.body.error.retryAfterMs / 1000)).toBe(retryAfter);
    // Other accounts are unaffected.
    await registerAndLogin('unaffected');
  });

  it('limits failed logins per client address across usernames', async () => {
    const user = await registerAndLogin('ipvictim');
    const ip = newIp();
    for (let i = 0; i < LIMITS.perIp; i++) {
      expectError(
        await call(a, 'POST', '/v1/auth/login', {
          ip,
          body: { username: newUsername('spray'), password: 'guess-1234' },
        }),
        401,
        'INVALID_CREDENTIALS',
      );
    }
    const limited = await call(a, 'POST', '/v1/auth/login', {
      ip,
      body: { username: user.username, password: user.password },
    });
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(
      (
        await call(a, 'POST', '/v1/auth/login', {
          body: { username: user.username, password: user.password },
        })
      ).status,
    ).toBe(200);
  });

  it('limits registrations per client address', async () => {
    const ip = newIp();
    for (let i = 0; i < LIMITS.registerPerIp; i++) {
      expect(
        (
          await call(a, 'POST', '/v1/auth/register', {
            ip,
            body: { username: newUsername('bulk'), password: 'password-1' },
          })
        ).status,
      ).toBe(201);
    }
    const limited = await call(a, 'POST', '/v1/auth/register', {
      ip,
      body: { username: newUsername('bulk'), password: 'password-1' },
    });
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error.retryAfterMs).toBeGreaterThan(0);
  });

  it('limits guest tokens per client address with 429, Retry-After and retryAfterMs', async () => {
    const ip = newIp();
    for (let i = 0; i < LIMITS.guestPerIp; i++) {
      expect((await call(a, 'POST', '/v1/auth/guest', { ip })).status).toBe(200);
    }
    const limited = await call(a, 'POST', '/v1/auth/guest', { ip, body: { nickname: 'again' } });
    expectError(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(Math.ceil(limited.body.error.retryAfterMs / 1000)).toBe(retryAfter);
    // Another address is unaffected.
    expect((await call(a, 'POST', '/v1/auth/guest')).status).toBe(200);
    const metrics = await fetch(`${a.metricsUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^auth_guest_tokens_total\{result="limited",app="auth"[^}]*\} [1-9]/m);
  });

  it('refuses forged, expired and tampered tokens on /me', async () => {
    const user = await registerAndLogin('forge');
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: user.userId, name: 'x', role: 'user', sid: user.sessionId };
    // Control: the real key with the right claims passes, so the refusals below are about the claim under test.
    expect(
      (
        await call(a, 'GET', '/v1/auth/me', {
          token: await signWithRealKey(claims, { iat: now, exp: now + 60 }),
        })
      ).status,
    ).toBe(200);

    const refused: Record<string, string> = {};
    const [header, payload, signature] = user.accessToken.split('.');
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const original = decodeJwt(user.accessToken);
    refused['alg none'] = `${enc({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    const jwk = (await httpJson('GET', `${a.url}/.well-known/jwks.json`)).body.keys[0];
    for (const [name, secret] of [
      ['HS256 with the public JWK', Buffer.from(JSON.stringify(jwk))],
      ['HS256 with the public key bytes', Buffer.from(jwk.x, 'base64url')],
    ] as const) {
      refused[name] = await new SignJWT({ ...claims, role: 'admin' })
        .setProtectedHeader({ alg: 'HS256', kid: jwk.kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(new Uint8Array(secret));
    }
    refused['wrong audience'] = await signWithRealKey(claims, {
      iat: now,
      exp: now + 60,
      aud: 'someone-else',
    });
    refused['wrong issuer'] = await signWithRealKey(claims, { iat: now, exp: now + 60, iss: 'someone-else' });
    refused['expired'] = await signWithRealKey(claims, { iat: now - 1000, exp: now - 100 });
    refused['tampered payload'] = `${header}.${enc({ ...original, role: 'admin' })}.${signature}`;
    refused['tampered signature'] = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
    refused['garbage'] = 'not.a.token';

    for (const [name, token] of Object.entries(refused)) {
      const res = await call(a, 'GET', '/v1/auth/me', { token });
      expect({ name, status: res.status, code: res.body?.error?.code }).toEqual({
        name,
        status: 401,
        code: 'UNAUTHORIZED',
      });
    }
    expect((await call(a, 'GET', '/v1/auth/me', { token: refused['expired'] })).body.error.message).toBe(
      'Token expired',
    );
    expect((await call(a, 'GET', '/v1/auth/me', { token: user.accessToken, headers: {} })).status).toBe(200);
    expectError(
      await call(a, 'GET', '/v1/auth/me', { headers: { authorization: `Basic ${user.accessToken}` } }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('answers bad payloads with 400 INVALID_PAYLOAD and the offending fields', async () => {
    const cases: { path: string; body: unknown; fields: string[] }[] = [
      { path: '/v1/auth/register', body: {}, fields: ['username', 'password'] },
      {
        path: '/v1/auth/register',
        body: { username: 'ab', password: 'short' },
        fields: ['username', 'password'],
      },
      {
        path: '/v1/auth/register',
        body: { username: 'has space', password: 'long-enough', nickname: '   ' },
        fields: ['username', 'nickname'],
      },
      {
        path: '/v1/auth/register',
        body: { username: 'x'.repeat(33), password: 'p'.repeat(129) },
        fields: ['username', 'password'],
      },
      { path: '/v1/auth/login', body: { username: 5 }, fields: ['username', 'password'] },
      { path: '/v1/auth/refresh', body: { refreshToken: '' }, fields: ['refreshToken'] },
      { path: '/v1/auth/guest', body: { nickname: 'n'.repeat(33) }, fields: ['nickname'] },
      { path: '/v1/auth/login', body: [1, 2], fields: ['(root)'] },
    ];
    for (const c of cases) {
      const res = await call(a, 'POST', c.path, { body: c.body });
      expectError(res, 400, 'INVALID_PAYLOAD');
      expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
        [...c.fields].sort(),
      );
    }
    // Malformed JSON is a 400 on every route that takes a body, whatever it does with it, and
    // with a valid admin token (so no guard answers first). (fetch cannot send GET bodies.)
    const admin = await adminToken();
    const routes: [string, string][] = [
      ['POST', '/v1/auth/register'],
      ['POST', '/v1/auth/login'],
      ['POST', '/v1/auth/refresh'],
      ['POST', '/v1/auth/guest'],
      ['POST', '/v1/auth/logout'],
      ['PUT', '/v1/users/some-user/role'],
      ['POST', '/v1/auth/keys/rotate'],
    ];
    for (const [method, path] of routes) {
      for (const rawBody of ['{"username": "abc",', '{"role": "admin"}}', 'nul', '\u0000']) {
        const res = await call(a, method, path, { rawBody, token: admin });
        expect({
          route: `${method} ${path}`,
          rawBody,
          status: res.status,
          code: res.body?.error?.code,
        }).toEqual({
          route: `${method} ${path}`,
          rawBody,
          status: 400,
          code: 'INVALID_PAYLOAD',
        });
      }
    }
    // The admin's session survived all that (logout with a malformed body did not run).
    expect((await call(a, 'GET', '/v1/auth/me', { token: admin })).status).toBe(200);
    // A bad route parameter is a 400 too.
    const longId = await call(a, 'PUT', `/v1/users/${'x'.repeat(300)}/role`, {
      token: admin,
      body: { role: 'user' },
    });
    expectError(longId, 400, 'INVALID_PAYLOAD');
    expectError(
      await call(a, 'POST', '/v1/auth/login', {
        rawBody: 'username=a',
        headers: { 'content-type': 'text/plain' },
      }),
      400,
      'INVALID_PAYLOAD',
    );
  });

  // Last: it spends instance B's registration budget for its socket address (127.0.0.1),
  // part of which earlier tests may have used already.
  it('ignores X-Forwarded-For unless TRUSTED_PROXIES is set', async () => {
    const statuses: number[] = [];
    let limited: HttpResult | undefined;
    for (let i = 0; i <= LIMITS.registerPerIp && !limited; i++) {
      // A fresh forwarded address each time: honoured, it would never run out of budget.
      const res = await call(b, 'POST', '/v1/auth/register', {
        body: { username: newUsername('spoof'), password: 'password-1' },
      });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, -1).every((s) => s === 201)).toBe(true);
    expect(limited).toBeDefined();
    expectError(limited as HttpResult, 429, 'RATE_LIMITED');
  });
});
