import { SignJWT, decodeProtectedHeader, importJWK } from 'jose';
import pino from 'pino';
import { accessTokenClaimsSchema } from '@danmaku/contracts';
import { DomainException, MetricsService, ReadinessService, TokenVerifier } from '@danmaku/platform';
import { loadAuthConfig, type AuthConfig } from '../config/auth.config';
import { generateSigningKey } from '../keys/key-rotation';
import type { SigningKeyRepository, StoredKeySet } from '../keys/signing-key.repository';
import type { SigningKeySet } from '../keys/signing-key.schema';
import { SigningKeyService } from '../keys/signing-key.service';
import { AuthMetrics } from '../metrics/auth-metrics.service';
import { AccessTokenService } from './access-token.service';

/** In-memory stand-in for the Redis key set (SET NX and compare-and-set semantics). */
class FakeKeyStore {
  raw: string | null = null;
  async load(): Promise<StoredKeySet | null> {
    await Promise.resolve();
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
}

const silent = pino({ level: 'silent' });
const config: AuthConfig = loadAuthConfig({ TOKEN_ISSUER: 'iss-test', TOKEN_AUDIENCE: 'aud-test' });
const subject = { userId: 'u-1', nickname: 'Alice', role: 'user' as const, sessionId: 's-1' };

/**
 * Auth's token issuance against the platform TokenVerifier fed by auth's key store: what
 * auth's own Bearer routes run. (The verifier's rules on their own: token-verifier.spec.ts
 * in libs/platform.)
 */
describe('access tokens signed by auth and verified by the shared TokenVerifier', () => {
  let keys: SigningKeyService;
  let revoked: Set<string>;
  let tokens: AccessTokenService;
  let verifier: TokenVerifier;

  beforeEach(async () => {
    const store = new FakeKeyStore();
    keys = new SigningKeyService(
      store as unknown as SigningKeyRepository,
      new ReadinessService(),
      new AuthMetrics(new MetricsService()),
      config,
      silent,
    );
    await keys.ensureLoaded();
    revoked = new Set();
    tokens = new AccessTokenService(keys, config);
    verifier = new TokenVerifier({
      keys: keys.keyResolver(),
      issuer: 'iss-test',
      audience: 'aud-test',
      isRevoked: async (sid) => revoked.has(sid),
    });
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
    iss = 'iss-test',
  ) => {
    const { kid, key } = keys.current();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setSubject('u-1')
      .setIssuer(iss)
      .setAudience(aud)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key);
  };

  it('signs EdDSA tokens with a kid and the contract claims, and verifies them', async () => {
    const { accessToken, expiresIn } = await tokens.issueForUser(subject);
    expect(expiresIn).toBe(900);
    expect(decodeProtectedHeader(accessToken)).toEqual({ alg: 'EdDSA', kid: keys.current().kid, typ: 'JWT' });
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
    const [jwk] = await keys.jwks();
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
    await expectRefused(await signWithRealKey(claims, now, now + 60, 'aud-test', 'someone-else'));
    await expectRefused(await signWithRealKey(claims, now - 120, now - 60), /Token expired/);
    await expectRefused(await signWithRealKey({ name: 'A', role: 'user' }, now, now + 60));
    await expectRefused(await signWithRealKey({ ...claims, role: 'superuser' }, now, now + 60), /claims/);
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

  it('answers UNAVAILABLE (not a crash) before the keys are loaded', async () => {
    const cold = new SigningKeyService(
      new FakeKeyStore() as unknown as SigningKeyRepository,
      new ReadinessService(),
      new AuthMetrics(new MetricsService()),
      config,
      silent,
    );
    expect(() => cold.current()).toThrow(expect.objectContaining({ code: 'UNAVAILABLE' }));
    const coldVerifier = new TokenVerifier({
      keys: cold.keyResolver(),
      issuer: 'iss-test',
      audience: 'aud-test',
    });
    const { accessToken } = await tokens.issueForUser(subject);
    await expect(coldVerifier.verify(accessToken)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
