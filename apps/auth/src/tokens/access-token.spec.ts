import { createHash } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, exportJWK, importJWK } from 'jose';
import pino from 'pino';
import { accessTokenClaimsSchema } from '@danmaku/contracts';
import { DomainException, ReadinessService } from '@danmaku/platform';
import { loadAuthConfig, type AuthConfig } from '../config/auth.config';
import type { SigningKeyRepository } from '../keys/signing-key.repository';
import type { SigningKeySet } from '../keys/signing-key.schema';
import { SigningKeyService, generateSigningKey } from '../keys/signing-key.service';
import type { SessionRepository } from '../sessions/session.repository';
import { AccessTokenService } from './access-token.service';
import { AccessTokenVerifier } from './access-token.verifier';

/** In-memory stand-in for the Redis key set (SET NX semantics). */
class FakeKeyStore {
  value: string | null = null;
  loads = 0;
  async load(): Promise<SigningKeySet | null> {
    this.loads++;
    await Promise.resolve();
    return this.value === null ? null : (JSON.parse(this.value) as SigningKeySet);
  }
  async createIfAbsent(set: SigningKeySet): Promise<boolean> {
    await Promise.resolve();
    if (this.value !== null) return false;
    this.value = JSON.stringify(set);
    return true;
  }
}

const silent = pino({ level: 'silent' });
const config: AuthConfig = loadAuthConfig({ TOKEN_ISSUER: 'iss-test', TOKEN_AUDIENCE: 'aud-test' });
const subject = { userId: 'u-1', nickname: 'Alice', role: 'user' as const, sessionId: 's-1' };

function keyService(store: FakeKeyStore): SigningKeyService {
  return new SigningKeyService(store as unknown as SigningKeyRepository, new ReadinessService(), silent);
}

describe('signing keys, access tokens and their verification', () => {
  let store: FakeKeyStore;
  let keys: SigningKeyService;
  let revoked: Set<string>;
  let tokens: AccessTokenService;
  let verifier: AccessTokenVerifier;

  beforeEach(async () => {
    store = new FakeKeyStore();
    keys = keyService(store);
    await keys.ensureLoaded();
    revoked = new Set();
    const sessions = { isRevoked: async (sid: string) => revoked.has(sid) } as unknown as SessionRepository;
    tokens = new AccessTokenService(keys, config);
    verifier = new AccessTokenVerifier(keys, sessions, config);
  });

  const expectRefused = async (token: string, message = /Invalid token/) => {
    const err = await verifier.verify(token).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainException);
    expect((err as DomainException).code).toBe('UNAUTHORIZED');
    expect((err as DomainException).message).toMatch(message);
  };

  /** Signs arbitrary claims with the real current key (for negative cases). */
  const signWithRealKey = async (
    claims: Record<string, unknown>,
    iat: number,
    exp: number,
    aud = 'aud-test',
  ) => {
    const { kid, key } = keys.current();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setSubject('u-1')
      .setIssuer('iss-test')
      .setAudience(aud)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key);
  };

  it('lets concurrent first starts agree on one key', async () => {
    const shared = new FakeKeyStore();
    const [a, b, c] = [keyService(shared), keyService(shared), keyService(shared)];
    await Promise.all([a.ensureLoaded(), b.ensureLoaded(), c.ensureLoaded()]);
    const kids = [a, b, c].map((s) => s.current().kid);
    expect(new Set(kids).size).toBe(1);
    expect(a.jwks()).toEqual(b.jwks());
  });

  it('publishes public keys only, with kid, alg and use', () => {
    const [jwk] = keys.jwks();
    expect(jwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
      kid: keys.current().kid,
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(jwk).not.toHaveProperty('d');
  });

  it('signs EdDSA tokens with a kid and the contract claims, and verifies them', async () => {
    const { accessToken, expiresIn } = await tokens.issueForUser(subject);
    expect(expiresIn).toBe(900);
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'EdDSA', kid: keys.current().kid });
    const payload = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(accessTokenClaimsSchema.parse(payload)).toMatchObject({
      sub: 'u-1',
      name: 'Alice',
      role: 'user',
      sid: 's-1',
      iss: 'iss-test',
      aud: 'aud-test',
    });
    expect((payload['exp'] as number) - (payload['iat'] as number)).toBe(900);
    await expect(verifier.verify(accessToken)).resolves.toEqual({
      userId: 'u-1',
      nickname: 'Alice',
      role: 'user',
      sessionId: 's-1',
      expiresAt: (payload['exp'] as number) * 1000,
    });
  });

  it('gives guests their own lifetime', async () => {
    const { expiresIn } = await tokens.issueForGuest({ ...subject, role: 'guest' });
    expect(expiresIn).toBe(3600);
  });

  it('refuses a revoked session', async () => {
    const { accessToken } = await tokens.issueForUser(subject);
    revoked.add('s-1');
    await expectRefused(accessToken, /Session revoked/);
  });

  it('refuses alg none', async () => {
    const { accessToken } = await tokens.issueForUser(subject);
    const [, payload] = accessToken.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await expectRefused(`${header}.${payload}.`);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const [jwk] = keys.jwks();
    for (const secret of [Buffer.from(jwk.x, 'base64url'), Buffer.from(JSON.stringify(jwk))]) {
      const now = Math.floor(Date.now() / 1000);
      const forged = await new SignJWT({ name: 'x', role: 'admin', sid: 's-9' })
        .setProtectedHeader({ alg: 'HS256', kid: jwk.kid })
        .setSubject('u-1')
        .setIssuer('iss-test')
        .setAudience('aud-test')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(new Uint8Array(secret));
      await expectRefused(forged);
    }
  });

  it('refuses a wrong audience, a wrong issuer, an expired token and missing claims', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { name: 'A', role: 'user', sid: 's-1' };
    await expectRefused(await signWithRealKey(claims, now, now + 60, 'other-audience'));
    await expectRefused(await signWithRealKey(claims, now - 120, now - 60), /Token expired/);
    await expectRefused(await signWithRealKey({ name: 'A', role: 'user' }, now, now + 60));
    await expectRefused(await signWithRealKey({ ...claims, role: 'superuser' }, now, now + 60), /claims/);
    const { kid, key } = keys.current();
    const otherIssuer = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setSubject('u-1')
      .setIssuer('someone-else')
      .setAudience('aud-test')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(key);
    await expectRefused(otherIssuer);
  });

  it('refuses a tampered payload and garbage', async () => {
    const { accessToken } = await tokens.issueForUser(subject);
    const [header, payload, signature] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    await expectRefused(`${header}.${tampered}.${signature}`);
    await expectRefused('not-a-jwt');
    await expectRefused('a.b.c');
  });

  it('refuses a token signed by a key that is not in the key set', async () => {
    const stranger = await generateSigningKey(Date.now());
    const key = await importJWK(stranger.privateJwk, 'EdDSA');
    const now = Math.floor(Date.now() / 1000);
    const sign = (kid: string) =>
      new SignJWT({ name: 'A', role: 'admin', sid: 's-1' })
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setSubject('u-1')
        .setIssuer('iss-test')
        .setAudience('aud-test')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key);
    await expectRefused(await sign(stranger.kid));
    // Claiming the real kid does not help: the signature does not match that key.
    await expectRefused(await sign(keys.current().kid));
  });

  it('picks up a key added to the shared set by another instance (rotation overlap)', async () => {
    const other = await generateSigningKey(Date.now());
    const set = JSON.parse(store.value as string) as SigningKeySet;
    store.value = JSON.stringify({ ...set, currentKid: other.kid, keys: [...set.keys, other] });
    const oldToken = (await tokens.issueForUser(subject)).accessToken;

    const rotated = keyService(store);
    await rotated.ensureLoaded();
    const newToken = (await new AccessTokenService(rotated, config).issueForUser(subject)).accessToken;
    expect(decodeProtectedHeader(newToken).kid).toBe(other.kid);

    // This instance has not reloaded yet: the unknown kid makes it re-read the set once.
    // (Re-reads are throttled to one a second, so move the clock past that.)
    const loadsBefore = store.loads;
    const later = Date.now() + 1_100;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => later);
    try {
      await expect(verifier.verify(newToken)).resolves.toMatchObject({ userId: 'u-1' });
      await expect(verifier.verify(newToken)).resolves.toMatchObject({ userId: 'u-1' });
    } finally {
      clock.mockRestore();
    }
    expect(store.loads).toBe(loadsBefore + 1);
    // The previous key still verifies while it is in the set.
    await expect(verifier.verify(oldToken)).resolves.toMatchObject({ userId: 'u-1' });
    expect(
      keys
        .jwks()
        .map((k) => k.kid)
        .sort(),
    ).toEqual([set.currentKid, other.kid].sort());
  });

  it('does not re-read the key set more than once a second for unknown kids', async () => {
    const stranger = await generateSigningKey(Date.now());
    const key = await importJWK(stranger.privateJwk, 'EdDSA');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ name: 'A', role: 'user', sid: 's-1' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'made-up' })
      .setSubject('u-1')
      .setIssuer('iss-test')
      .setAudience('aud-test')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(key);
    const loadsBefore = store.loads;
    for (let i = 0; i < 5; i++) await expectRefused(forged);
    expect(store.loads).toBe(loadsBefore);
  });

  it('answers UNAVAILABLE (not a crash) before the keys are loaded', async () => {
    const cold = keyService(new FakeKeyStore());
    expect(() => cold.current()).toThrow(expect.objectContaining({ code: 'UNAVAILABLE' }));
  });

  it('names keys by their RFC 7638 thumbprint', async () => {
    const [jwk] = keys.jwks();
    const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
    expect(jwk.kid).toBe(createHash('sha256').update(canonical).digest('base64url'));
    expect(await exportJWK(await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, 'EdDSA'))).toMatchObject(
      { x: jwk.x },
    );
  });
});
