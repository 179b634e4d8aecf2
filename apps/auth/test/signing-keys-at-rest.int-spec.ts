import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { decodeProtectedHeader } from 'jose';
import {
  dropNamespace,
  freePort,
  httpJson,
  spawnApp,
  testInfra,
  uniqueId,
  workspaceRoot,
  type RunningApp,
} from '@danmaku/testing';
import { loadKeyEncryptionKey, openKeySet } from '../src/keys/key-encryption';
import { generateKeySet } from '../src/keys/key-rotation';
import { signingKeySetSchema } from '../src/keys/signing-key.schema';

/**
 * Issue 14, item 1: the signing key set in the Redis every app shares is sealed with the
 * key-encryption key (AUTH_KEK). The built auth app and its keys CLI against real Redis.
 */
const infra = testInfra();
const run = promisify(execFile);
const KEY = 'auth:signing-keys';
const kekA = randomBytes(32).toString('base64');
const kekB = randomBytes(32).toString('base64');
const namespaces: string[] = [];
const apps: RunningApp[] = [];
let redis: Redis;

function envFor(ns: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DANMAKU_NAMESPACE: ns, KAFKA_BROKERS: infra.kafkaBrokers, REDIS_URL: infra.redisUrl, ...extra };
}

function newNamespace(label: string): string {
  const ns = uniqueId(`it-kek-${label}`).toLowerCase();
  namespaces.push(ns);
  return ns;
}

async function start(ns: string, extra: Record<string, string>): Promise<RunningApp> {
  const app = await spawnApp('auth', { port: await freePort(), env: envFor(ns, extra), name: `auth-${ns}` });
  apps.push(app);
  return app;
}

/** The start must fail: spawnApp rejects with the process's exit code and output. */
async function refusedStart(ns: string, extra: Record<string, string>): Promise<string> {
  const outcome = await start(ns, extra).then(
    (app) => app.stop().then(() => 'started'),
    (e: Error) => e.message,
  );
  expect(outcome).toMatch(/exited with 1/);
  return outcome;
}

const stored = (ns: string) => redis.get(`${ns}:${KEY}`);

async function jwksKids(app: RunningApp): Promise<string[]> {
  const res = await httpJson('GET', `${app.url}/.well-known/jwks.json`);
  expect(res.status).toBe(200);
  return (res.body.keys as { kid: string }[]).map((k) => k.kid);
}

beforeAll(() => {
  redis = new Redis(infra.redisUrl);
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  redis?.disconnect();
  await Promise.all(namespaces.map((ns) => dropNamespace(ns)));
}, 60_000);

describe('signing keys at rest (built auth app, real Redis)', () => {
  const ns = newNamespace('main');
  let app: RunningApp;

  it('stores the key set sealed: no private key material in Redis, and tokens still verify', async () => {
    app = await start(ns, { AUTH_KEK: kekA });
    const raw = (await stored(ns)) as string;
    expect(raw).not.toBeNull();
    expect(raw.startsWith('{')).toBe(false);
    expect(decodeProtectedHeader(raw)).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
    const set = signingKeySetSchema.parse(
      JSON.parse(await openKeySet(raw, loadKeyEncryptionKey({ AUTH_KEK: kekA }))),
    );
    for (const key of set.keys) {
      expect(raw).not.toContain(key.privateJwk.d);
      expect(raw).not.toContain(key.publicJwk.x); // not even the public half: the whole set is sealed
    }
    expect(raw).not.toMatch(/"d"\s*:/);
    expect(await jwksKids(app)).toEqual([set.currentKid]);
    const guest = await httpJson('POST', `${app.url}/v1/auth/guest`);
    expect(guest.status).toBe(200);
    expect(decodeProtectedHeader(guest.body.accessToken as string).kid).toBe(set.currentKid);
  });

  it('refuses to start with another KEK, says why, and leaves the keys untouched', async () => {
    const before = await stored(ns);
    const output = await refusedStart(ns, { AUTH_KEK: kekB });
    expect(output).toMatch(/encrypted with another key-encryption key .*refusing to use or replace it/);
    expect(await stored(ns)).toBe(before);
  }, 60_000);

  it('rotates from the CLI with the right KEK only: a wrong one exits 1 and replaces nothing', async () => {
    const root = workspaceRoot();
    const cli = (kek: string) =>
      run(process.execPath, ['dist/apps/auth/rotate-keys.js'], {
        cwd: root,
        env: { ...process.env, ...envFor(ns, { AUTH_KEK: kek }), LOG_LEVEL: 'silent' },
        timeout: 30_000,
      });
    const before = await stored(ns);
    const wrong = await cli(kekB).then(
      () => null,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(wrong?.code).toBe(1);
    expect(wrong?.stderr).toMatch(
      /^auth:rotate-keys: the signing key set in Redis is encrypted with another/,
    );
    expect(await stored(ns)).toBe(before);

    const { stdout } = await cli(kekA);
    const rotation = JSON.parse(stdout.trim()) as { kid: string; previousKid: string };
    const raw = (await stored(ns)) as string;
    expect(raw.startsWith('{')).toBe(false);
    const set = signingKeySetSchema.parse(
      JSON.parse(await openKeySet(raw, loadKeyEncryptionKey({ AUTH_KEK: kekA }))),
    );
    expect(set.currentKid).toBe(rotation.kid);
    expect(set.keys.map((k) => k.kid).sort()).toEqual([rotation.kid, rotation.previousKid].sort());
    for (const key of set.keys) expect(raw).not.toContain(key.privateJwk.d);
  }, 60_000);

  it('seals a plaintext key set from before on first start, keeping its keys', async () => {
    const old = newNamespace('plain');
    const plain = await generateKeySet(Date.now());
    await redis.set(`${old}:${KEY}`, JSON.stringify(plain));
    const migrated = await start(old, { AUTH_KEK: kekA });
    const raw = (await stored(old)) as string;
    expect(raw.startsWith('{')).toBe(false);
    expect(raw).not.toContain(plain.keys[0].privateJwk.d);
    const set = JSON.parse(await openKeySet(raw, loadKeyEncryptionKey({ AUTH_KEK: kekA })));
    expect(set).toEqual(plain);
    expect(await jwksKids(migrated)).toEqual([plain.currentKid]);
  }, 60_000);

  it('refuses to start in production without AUTH_KEK, naming it', async () => {
    const output = await refusedStart(newNamespace('prod'), { NODE_ENV: 'production', AUTH_KEK: '' });
    expect(output).toMatch(/AUTH_KEK: required when NODE_ENV=production/);
  }, 60_000);
});
