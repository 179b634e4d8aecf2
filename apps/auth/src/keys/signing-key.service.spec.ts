import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import pino from 'pino';
import { MetricsService, ReadinessService, TokenVerifier } from '@danmaku/platform';
import { loadAuthConfig, signingKeyOverlapSec, type AuthConfig } from '../config/auth.config';
import { AuthMetrics } from '../metrics/auth-metrics.service';
import {
  generateKeySet,
  generateSigningKey,
  rotateKeySet,
  withRotation,
  withoutExpired,
} from './key-rotation';
import type { SigningKeyRepository, StoredKeySet } from './signing-key.repository';
import { signingKeySetSchema, type SigningKeySet } from './signing-key.schema';
import { SigningKeyService } from './signing-key.service';

/** In-memory stand-in for the Redis key set (SET NX and compare-and-set semantics). */
class FakeKeyStore {
  raw: string | null = null;
  loads = 0;
  failing = false;
  async load(): Promise<StoredKeySet | null> {
    this.loads++;
    await Promise.resolve();
    if (this.failing) throw new Error('Connection is closed.');
    return this.raw === null ? null : { raw: this.raw, set: JSON.parse(this.raw) as SigningKeySet };
  }
  async createIfAbsent(set: SigningKeySet): Promise<StoredKeySet | null> {
    await Promise.resolve();
    if (this.raw !== null) return null;
    this.raw = JSON.stringify(set);
    return { raw: this.raw, set };
  }
  async replace(expected: StoredKeySet, next: SigningKeySet): Promise<StoredKeySet | null> {
    await Promise.resolve();
    if (this.raw !== expected.raw) return null;
    this.raw = JSON.stringify(next);
    return { raw: this.raw, set: next };
  }
  get set(): SigningKeySet {
    return JSON.parse(this.raw as string) as SigningKeySet;
  }
}

const silent = pino({ level: 'silent' });
const OVERLAP_SEC = 60;
const config: AuthConfig = loadAuthConfig({
  TOKEN_ISSUER: 'iss-test',
  TOKEN_AUDIENCE: 'aud-test',
  SIGNING_KEY_OVERLAP_SEC: String(OVERLAP_SEC),
});

function keyService(store: FakeKeyStore): SigningKeyService {
  return new SigningKeyService(
    store as unknown as SigningKeyRepository,
    new ReadinessService(),
    new AuthMetrics(new MetricsService()),
    config,
    silent,
  );
}

function verifierFor(keys: SigningKeyService): TokenVerifier {
  return new TokenVerifier({ keys: keys.keyResolver(), issuer: 'iss-test', audience: 'aud-test' });
}

async function tokenFrom(keys: SigningKeyService): Promise<string> {
  const { kid, key } = keys.current();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: 'A', role: 'user', sid: 's-1' })
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setSubject('u-1')
    .setIssuer('iss-test')
    .setAudience('aud-test')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(key);
}

/** Runs `work` with Date.now() moved `ms` ahead. */
async function later<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const at = Date.now() + ms;
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => at);
  try {
    return await work();
  } finally {
    clock.mockRestore();
  }
}

const kidsOf = async (keys: SigningKeyService) => (await keys.jwks()).map((k) => k.kid).sort();

describe('signing keys', () => {
  let store: FakeKeyStore;
  let keys: SigningKeyService;

  beforeEach(async () => {
    store = new FakeKeyStore();
    keys = keyService(store);
    await keys.ensureLoaded();
  });

  it('lets concurrent first starts agree on one key', async () => {
    const shared = new FakeKeyStore();
    const [a, b, c] = [keyService(shared), keyService(shared), keyService(shared)];
    await Promise.all([a.ensureLoaded(), b.ensureLoaded(), c.ensureLoaded()]);
    expect(new Set([a, b, c].map((s) => s.current().kid)).size).toBe(1);
    expect(await a.jwks()).toEqual(await b.jwks());
  });

  it('publishes public keys only, with kid (the RFC 7638 thumbprint), alg and use', async () => {
    const [jwk] = await keys.jwks();
    expect(jwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
      kid: keys.current().kid,
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(jwk).not.toHaveProperty('d');
    const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
    expect(jwk.kid).toBe(createHash('sha256').update(canonical).digest('base64url'));
  });

  it('rotates: the new key signs, the previous one keeps verifying and stays published for the overlap', async () => {
    const verifier = verifierFor(keys);
    const before = keys.current().kid;
    const oldToken = await tokenFrom(keys);

    const rotation = await keys.rotate();
    expect(rotation).toEqual({
      kid: expect.any(String),
      previousKid: before,
      previousKeyVerifiesUntil: expect.any(Number),
    });
    expect(rotation.previousKeyVerifiesUntil).toBeGreaterThanOrEqual(Date.now() + OVERLAP_SEC * 1000 - 1000);
    expect(keys.current().kid).toBe(rotation.kid);
    expect(rotation.kid).not.toBe(before);
    expect(await kidsOf(keys)).toEqual([before, rotation.kid].sort());
    await expect(verifier.verify(oldToken)).resolves.toMatchObject({ userId: 'u-1' });
    await expect(verifier.verify(await tokenFrom(keys))).resolves.toMatchObject({ userId: 'u-1' });
    expect(store.set.keys.find((k) => k.kid === before)).toMatchObject({ retiredAt: expect.any(Number) });
  });

  it('stops trusting a retired key when its overlap ends, and prunes it from the shared set', async () => {
    const verifier = verifierFor(keys);
    const before = keys.current().kid;
    const oldToken = await tokenFrom(keys);
    const { kid } = await keys.rotate();

    await later(OVERLAP_SEC * 1000 - 5_000, async () => {
      await expect(verifier.verify(oldToken)).resolves.toMatchObject({ userId: 'u-1' });
      await keys.maintain();
      expect(store.set.keys).toHaveLength(2); // not due yet
    });
    await later(OVERLAP_SEC * 1000 + 1_000, async () => {
      // Past its overlap the key is refused and unpublished at once, pruned or not.
      await expect(verifier.verify(oldToken)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(await kidsOf(keys)).toEqual([kid]);
      await keys.maintain();
    });
    expect(store.set.keys.map((k) => k.kid)).toEqual([kid]);
    expect(store.set.keys.map((k) => k.kid)).not.toContain(before);
  });

  it('lets another instance verify a new kid at once and sign with it after its next read', async () => {
    const other = keyService(store);
    await other.ensureLoaded();
    const otherVerifier = verifierFor(other);
    const before = other.current().kid;

    const { kid } = await keys.rotate();
    // A token with the new kid arrives at the other instance before its periodic read.
    const loads = store.loads;
    await expect(otherVerifier.verify(await tokenFrom(keys))).resolves.toMatchObject({ userId: 'u-1' });
    expect(store.loads).toBe(loads + 1);
    expect(other.current().kid).toBe(kid); // that read also switched its signing key

    // Without a token to prompt it, the periodic pass does the same.
    const third = keyService(store);
    await third.ensureLoaded();
    await keys.rotate();
    expect(third.current().kid).toBe(kid);
    await third.maintain();
    expect(third.current().kid).toBe(keys.current().kid);
    expect(before).not.toBe(kid);
  });

  it('shares one re-read among concurrent lookups of unknown kids', async () => {
    const loads = store.loads;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => keys.publicKey(`made-up-${i}`)));
    expect(results.every((r) => r === null)).toBe(true);
    // One read in flight when the first arrived, one queued for all the others: at most two.
    expect(store.loads - loads).toBeLessThanOrEqual(2);
  });

  it('keeps every key when two instances rotate at the same moment (compare-and-set)', async () => {
    const other = keyService(store);
    await other.ensureLoaded();
    const original = keys.current().kid;
    const [r1, r2] = await Promise.all([keys.rotate(), other.rotate()]);
    const set = store.set;
    expect(set.keys.map((k) => k.kid).sort()).toEqual([original, r1.kid, r2.kid].sort());
    expect([r1.kid, r2.kid]).toContain(set.currentKid);
    // Exactly one of the two rotations retired the original; the other retired the first one's key.
    expect(set.keys.filter((k) => k.verifyUntil !== undefined)).toHaveLength(2);
  });

  it('serves the JWKS it holds when the store is away, and is unavailable before any load', async () => {
    const held = await keys.jwks();
    store.failing = true;
    await expect(keys.jwks()).resolves.toEqual(held);
    const cold = keyService(store);
    await expect(cold.jwks()).rejects.toThrow();
  });

  it('creates the key set when a rotation finds none (the command line before any instance ran)', async () => {
    const empty = new FakeKeyStore();
    const { rotation } = await rotateKeySet(empty, 1000);
    expect(rotation).toEqual({
      kid: empty.set.currentKid,
      previousKid: null,
      previousKeyVerifiesUntil: null,
    });
  });

  it('defaults the overlap to the longest token lifetime plus the reload interval and slack', () => {
    expect(signingKeyOverlapSec(loadAuthConfig({}))).toBe(3600 + 5 + 60);
    expect(signingKeyOverlapSec(loadAuthConfig({ ACCESS_TOKEN_TTL_SEC: '7200' }))).toBe(7200 + 5 + 60);
    expect(signingKeyOverlapSec(loadAuthConfig({ SIGNING_KEY_OVERLAP_SEC: '3' }))).toBe(3);
  });
});

describe('key set documents', () => {
  it('drops keys past their overlap while rotating, and only then', async () => {
    const set = await generateKeySet(0);
    const second = await generateSigningKey(10);
    const rotated = withRotation(set, second, 10, 100);
    expect(rotated.keys.map((k) => k.verifyUntil)).toEqual([110, undefined]);
    expect(withoutExpired(rotated, 109)).toBeNull();
    expect(withoutExpired(rotated, 110)?.keys.map((k) => k.kid)).toEqual([second.kid]);
    const third = await generateSigningKey(200);
    expect(withRotation(rotated, third, 200, 100).keys.map((k) => k.kid)).toEqual([second.kid, third.kid]);
  });

  it('refuses a document whose current key is retired or missing', async () => {
    const set = await generateKeySet(0);
    expect(signingKeySetSchema.safeParse(set).success).toBe(true);
    const retired = { ...set, keys: set.keys.map((k) => ({ ...k, verifyUntil: 5 })) };
    expect(signingKeySetSchema.safeParse(retired).success).toBe(false);
    expect(signingKeySetSchema.safeParse({ ...set, currentKid: 'nope' }).success).toBe(false);
  });
});
