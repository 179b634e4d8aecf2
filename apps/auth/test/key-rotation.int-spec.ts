import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { TokenVerifier } from '@danmaku/platform';
import {
  dropNamespace,
  expectEventually,
  freePort,
  httpJson,
  spawnApp,
  testInfra,
  uniqueId,
  workspaceRoot,
  type HttpResult,
  type RunningApp,
} from '@danmaku/testing';
import { loadKeyEncryptionKey, openKeySet } from '../src/keys/key-encryption';

/**
 * Signing key rotation on two built auth instances sharing one namespace, against real
 * Redis and Kafka. The overlap is a few seconds here (SIGNING_KEY_OVERLAP_SEC) so pruning
 * can be watched; by default it outlasts every token.
 */
const infra = testInfra();
const ns = uniqueId('it-keys').toLowerCase();
const ISSUER = 'it-keys-issuer';
const AUDIENCE = 'it-keys-audience';
const ADMIN = { username: 'keys_admin', password: 'keys-admin-password' };
const OVERLAP_SEC = 6;
const run = promisify(execFile);

const env = {
  DANMAKU_NAMESPACE: ns,
  KAFKA_BROKERS: infra.kafkaBrokers,
  REDIS_URL: infra.redisUrl,
  TOKEN_ISSUER: ISSUER,
  TOKEN_AUDIENCE: AUDIENCE,
  ADMIN_USERNAME: ADMIN.username,
  ADMIN_PASSWORD: ADMIN.password,
  SIGNING_KEY_OVERLAP_SEC: String(OVERLAP_SEC),
  SIGNING_KEYS_RELOAD_SEC: '1',
  // Every request here comes from 127.0.0.1, and the polls below ask for many guest tokens.
  GUEST_MAX_PER_IP: '100000',
  // The key set is sealed with it in Redis (the CLI below needs the same one).
  AUTH_KEK: randomBytes(32).toString('base64'),
};
const kek = loadKeyEncryptionKey({ AUTH_KEK: env.AUTH_KEK });

let a: RunningApp;
let b: RunningApp;
let redis: Redis;

const kidOf = (token: string) => decodeProtectedHeader(token).kid as string;
const jwksKids = async (app: RunningApp) =>
  ((await httpJson('GET', `${app.url}/.well-known/jwks.json`)).body.keys as { kid: string }[])
    .map((k) => k.kid)
    .sort();
const storedKids = async () =>
  (
    JSON.parse(await openKeySet((await redis.get('auth:signing-keys')) as string, kek)).keys as {
      kid: string;
    }[]
  )
    .map((k) => k.kid)
    .sort();

async function guestToken(app: RunningApp): Promise<string> {
  const res = await httpJson('POST', `${app.url}/v1/auth/guest`);
  expect(res.status).toBe(200);
  return res.body.accessToken as string;
}

async function login(app: RunningApp, username: string, password: string): Promise<string> {
  const res = await httpJson('POST', `${app.url}/v1/auth/login`, { body: { username, password } });
  expect(res.status).toBe(200);
  return res.body.accessToken as string;
}

let userCounter = 0;
async function newUser(): Promise<{ username: string; password: string; token: string }> {
  const username = `keys_${Date.now().toString(36)}_${++userCounter}`;
  const password = `password-${username}`;
  expect((await httpJson('POST', `${a.url}/v1/auth/register`, { body: { username, password } })).status).toBe(
    201,
  );
  return { username, password, token: await login(a, username, password) };
}

const me = (app: RunningApp, token: string) => httpJson('GET', `${app.url}/v1/auth/me`, { token });
const rotate = (app: RunningApp, token?: string) =>
  httpJson('POST', `${app.url}/v1/auth/keys/rotate`, { token });

function expectError(res: HttpResult, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
}

const verifierOf = (app: RunningApp) =>
  new TokenVerifier({ jwksUrl: `${app.url}/.well-known/jwks.json`, issuer: ISSUER, audience: AUDIENCE });

beforeAll(async () => {
  const [portA, portB] = await Promise.all([freePort(), freePort()]);
  [a, b] = await Promise.all([
    spawnApp('auth', { port: portA, env, name: 'auth-keys-a' }),
    spawnApp('auth', { port: portB, env, name: 'auth-keys-b' }),
  ]);
  redis = new Redis(infra.redisUrl, { keyPrefix: `${ns}:` });
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  redis?.disconnect();
  await dropNamespace(ns);
}, 60_000);

describe('signing key rotation (built app, two instances, real Redis)', () => {
  it('lets only admins rotate: 401 without a token, 403 for users and guests', async () => {
    expectError(await rotate(a), 401, 'UNAUTHORIZED');
    expectError(await rotate(a, (await newUser()).token), 403, 'FORBIDDEN');
    expectError(await rotate(b, await guestToken(b)), 403, 'FORBIDDEN');
    expect(await storedKids()).toHaveLength(1);
  });

  it('rotates with overlap: old tokens verify until the overlap ends, new ones carry the new kid, then the old key is pruned', async () => {
    const admin = await login(a, ADMIN.username, ADMIN.password);
    const user = await newUser();
    const tokenA = user.token;
    const oldKid = kidOf(tokenA);
    // A verifier that fetched the JWKS just before the rotation (as a gateway would have).
    const remote = verifierOf(b);
    await expect(remote.verify(tokenA)).resolves.toMatchObject({ role: 'user' });

    const res = await rotate(a, admin);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      kid: expect.any(String),
      previousKid: oldKid,
      previousKeyVerifiesUntil: expect.any(Number),
    });
    const newKid = res.body.kid as string;
    expect(newKid).not.toBe(oldKid);
    expect(res.body.previousKeyVerifiesUntil).toBeGreaterThan(Date.now() + (OVERLAP_SEC - 3) * 1000);

    // The rotating instance signs with the new key at once.
    expect(kidOf(await guestToken(a))).toBe(newKid);
    const tokenB = await login(a, user.username, user.password);
    expect(kidOf(tokenB)).toBe(newKid);
    // Both instances publish both keys at once (each JWKS request reads the shared set).
    expect(await jwksKids(a)).toEqual([oldKid, newKid].sort());
    expect(await jwksKids(b)).toEqual([oldKid, newKid].sort());
    // Token A still works everywhere; token B too, also on the instance that has not
    // re-read the set yet, and at the verifier whose JWKS cache predates the new key.
    for (const app of [a, b]) {
      expect((await me(app, tokenA)).status).toBe(200);
      expect((await me(app, tokenB)).status).toBe(200);
    }
    await expect(remote.verify(tokenB)).resolves.toMatchObject({ sessionId: decodeJwt(tokenB)['sid'] });
    await expect(remote.verify(tokenA)).resolves.toMatchObject({ sessionId: decodeJwt(tokenA)['sid'] });

    // The other instance signs with the new key after its next re-read (SIGNING_KEYS_RELOAD_SEC=1).
    await expectEventually(async () => expect(kidOf(await guestToken(b))).toBe(newKid), { timeoutMs: 5_000 });

    // After the overlap the old key is gone: unpublished, refused, and pruned from Redis.
    await expectEventually(
      async () => {
        expect(await jwksKids(a)).toEqual([newKid]);
        expect(await jwksKids(b)).toEqual([newKid]);
        expect(await storedKids()).toEqual([newKid]);
      },
      { timeoutMs: (OVERLAP_SEC + 10) * 1000, intervalMs: 250 },
    );
    for (const app of [a, b]) {
      const refused = await me(app, tokenA);
      expectError(refused, 401, 'UNAUTHORIZED');
      expect(refused.body.error.message).toBe('Invalid token');
      expect((await me(app, tokenB)).status).toBe(200);
    }
    const fresh = verifierOf(a);
    await expect(fresh.verify(tokenA)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(fresh.verify(tokenB)).resolves.toMatchObject({ role: 'user' });
  }, 60_000);

  it('rotates from the command line with the app config (npm script via tsx, and the built entry)', async () => {
    const user = await newUser();
    const before = kidOf(user.token);
    const cliEnv = { ...process.env, ...env, LOG_LEVEL: 'warn' };
    const root = workspaceRoot();
    const commands: [string, string[]][] = [
      [
        join(root, 'node_modules', '.bin', 'tsx'),
        ['--tsconfig', 'tsconfig.base.json', 'apps/auth/src/keys/rotate-keys.main.ts'],
      ],
      [process.execPath, ['dist/apps/auth/rotate-keys.js']],
    ];
    let previous = before;
    const kids: string[] = [];
    for (const [command, args] of commands) {
      const { stdout } = await run(command, args, { cwd: root, env: cliEnv, timeout: 60_000 });
      const rotation = JSON.parse(stdout.trim());
      expect(rotation).toEqual({
        kid: expect.any(String),
        previousKid: previous,
        previousKeyVerifiesUntil: expect.any(Number),
      });
      kids.push(rotation.kid);
      previous = rotation.kid;
    }
    const newest = kids[kids.length - 1];
    // Both running instances adopt it without a restart, and old tokens still verify.
    await expectEventually(
      async () => {
        expect(kidOf(await guestToken(a))).toBe(newest);
        expect(kidOf(await guestToken(b))).toBe(newest);
      },
      { timeoutMs: 5_000 },
    );
    expect(await jwksKids(b)).toEqual(expect.arrayContaining([before, ...kids]));
    expect((await me(b, user.token)).status).toBe(200);
  }, 90_000);

  it('fails the command with exit code 1 and a message when Redis is unreachable', async () => {
    const root = workspaceRoot();
    const outcome = await run(process.execPath, ['dist/apps/auth/rotate-keys.js'], {
      cwd: root,
      env: {
        ...process.env,
        ...env,
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        LOG_LEVEL: 'silent',
      },
      timeout: 30_000,
    }).then(
      () => null,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(outcome?.code).toBe(1);
    expect(outcome?.stderr).toMatch(/^auth:rotate-keys: /);
  });
});
