import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type CryptoKey,
  type JWK,
} from 'jose';
import { DomainException } from '../errors/domain.exception';
import { TokenVerifier } from './token-verifier';

const ISSUER = 'iss-test';
const AUDIENCE = 'aud-test';

interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function newKey(): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported);
  return { kid, privateKey, publicKey, jwk: { ...exported, kid, alg: 'EdDSA', use: 'sig' } };
}

/** A real HTTP server publishing a JWKS the test can change, counting fetches. */
class JwksServer {
  keys: JWK[] = [];
  status = 200;
  fetches = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      this.fetches++;
      res.writeHead(this.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.status === 200 ? { keys: this.keys } : { error: 'down' }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const now = () => Math.floor(Date.now() / 1000);
const validClaims = { sub: 'u-1', name: 'Alice', role: 'user', sid: 's-1' };

function sign(
  key: TestKey,
  opts: {
    claims?: Record<string, unknown>;
    iat?: number;
    exp?: number;
    aud?: string;
    iss?: string;
    kid?: string | null;
  } = {},
): Promise<string> {
  const iat = opts.iat ?? now();
  const header = opts.kid === null ? { alg: 'EdDSA' } : { alg: 'EdDSA', kid: opts.kid ?? key.kid };
  return new SignJWT(opts.claims ?? validClaims)
    .setProtectedHeader(header)
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(opts.exp ?? iat + 60)
    .sign(key.privateKey);
}

async function refusal(verifier: TokenVerifier, token: string): Promise<DomainException> {
  const outcome = await verifier.verify(token).then(
    () => null,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(DomainException);
  return outcome as DomainException;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('TokenVerifier (remote JWKS)', () => {
  let server: JwksServer;
  let key: TestKey;
  let revoked: Set<string>;
  let verifier: TokenVerifier;

  beforeEach(async () => {
    server = new JwksServer();
    await server.start();
    key = await newKey();
    server.keys = [key.jwk];
    revoked = new Set();
    verifier = new TokenVerifier({
      jwksUrl: server.url,
      issuer: ISSUER,
      audience: AUDIENCE,
      isRevoked: async (sid) => revoked.has(sid),
    });
  });

  afterEach(() => server.stop());

  const expectUnauthorized = async (token: string, message = 'Invalid token') => {
    const e = await refusal(verifier, token);
    expect({ code: e.code, message: e.message }).toEqual({ code: 'UNAUTHORIZED', message });
  };

  it('verifies a good token into a principal', async () => {
    const iat = now();
    await expect(verifier.verify(await sign(key, { iat, exp: iat + 60 }))).resolves.toEqual({
      userId: 'u-1',
      nickname: 'Alice',
      role: 'user',
      sessionId: 's-1',
      expiresAt: (iat + 60) * 1000,
    });
  });

  it('refuses alg none', async () => {
    const [, payload] = (await sign(key)).split('.');
    await expectUnauthorized(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`);
    await expectUnauthorized(`${b64({ alg: 'none', kid: key.kid })}.${payload}.`);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const pem = await exportSPKI(key.publicKey);
    const secrets = [
      Buffer.from(key.jwk.x as string, 'base64url'),
      Buffer.from(JSON.stringify(key.jwk)),
      Buffer.from(pem),
    ];
    for (const secret of secrets) {
      const forged = await new SignJWT({ ...validClaims, role: 'admin' })
        .setProtectedHeader({ alg: 'HS256', kid: key.kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(now())
        .setExpirationTime(now() + 60)
        .sign(new Uint8Array(secret));
      await expectUnauthorized(forged);
    }
  });

  it('refuses a wrong audience and a wrong issuer', async () => {
    await expectUnauthorized(await sign(key, { aud: 'someone-else' }));
    await expectUnauthorized(await sign(key, { iss: 'someone-else' }));
  });

  it('refuses an expired token, with no leeway', async () => {
    const t = now();
    await expectUnauthorized(await sign(key, { iat: t - 120, exp: t - 1 }), 'Token expired');
  });

  it('refuses a tampered payload and a tampered signature', async () => {
    const [header, payload, signature] = (await sign(key)).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    await expectUnauthorized(`${header}.${b64({ ...claims, role: 'admin' })}.${signature}`);
    const flipped = signature[0] === 'A' ? 'B' : 'A';
    await expectUnauthorized(`${header}.${payload}.${flipped}${signature.slice(1)}`);
  });

  it('refuses missing claims, claims outside the contract, no kid and garbage', async () => {
    await expectUnauthorized(await sign(key, { claims: { sub: 'u-1', name: 'A', role: 'user' } }));
    await expectUnauthorized(
      await sign(key, { claims: { ...validClaims, role: 'superuser' } }),
      'Invalid token claims',
    );
    await expectUnauthorized(await sign(key, { kid: null }));
    for (const garbage of ['', 'x', 'a.b.c', '...', '%%%.%%%.%%%', `${b64({ alg: 'EdDSA' })}.e30.`]) {
      await expectUnauthorized(garbage);
    }
  });

  it('refuses a token signed by a key that is not published, even when it claims a published kid', async () => {
    const stranger = await newKey();
    await expectUnauthorized(await sign(stranger));
    await expectUnauthorized(await sign(stranger, { kid: key.kid }));
  });

  it('refuses a revoked session, and answers UNAVAILABLE when the revocation store fails', async () => {
    const token = await sign(key);
    revoked.add('s-1');
    await expectUnauthorized(token, 'Session revoked');
    const failing = new TokenVerifier({
      jwksUrl: server.url,
      issuer: ISSUER,
      audience: AUDIENCE,
      isRevoked: () => Promise.reject(new Error('Connection is closed.')),
    });
    expect((await refusal(failing, token)).code).toBe('UNAVAILABLE');
  });

  it('caches the JWKS: many verifications, one fetch', async () => {
    for (let i = 0; i < 5; i++) await verifier.verify(await sign(key));
    expect(server.fetches).toBe(1);
  });

  it('refetches on an unknown kid, even right after a fetch (key published by a rotation)', async () => {
    await verifier.verify(await sign(key));
    expect(server.fetches).toBe(1);
    // Rotation: the new key is published, and a token signed with it arrives at once,
    // well within the cooldown that follows the first fetch.
    const next = await newKey();
    server.keys = [key.jwk, next.jwk];
    await expect(verifier.verify(await sign(next))).resolves.toMatchObject({ userId: 'u-1' });
    expect(server.fetches).toBe(2);
    // Both keys verify from the cache now.
    await verifier.verify(await sign(key));
    await verifier.verify(await sign(next));
    expect(server.fetches).toBe(2);
  });

  it('stops trusting a key once it left the JWKS and the cache was refreshed', async () => {
    verifier = new TokenVerifier({
      jwksUrl: server.url,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksCooldownMs: 100,
    });
    const old = await sign(key);
    await verifier.verify(old);
    const next = await newKey();
    server.keys = [next.jwk];
    await verifier.verify(await sign(next)); // unknown kid: refetch, the old key is gone
    await expectUnauthorized(old);
  });

  it('limits forged kids to one fetch per cooldown', async () => {
    const fast = new TokenVerifier({
      jwksUrl: server.url,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksCooldownMs: 300,
    });
    await fast.verify(await sign(key));
    const stranger = await newKey();
    const forged = await Promise.all(
      Array.from({ length: 20 }, (_, i) => sign(stranger, { kid: `made-up-${i}` })),
    );
    const started = Date.now();
    const results = await Promise.all(forged.map((t) => refusal(fast, t)));
    expect(results.every((e) => e.code === 'UNAUTHORIZED')).toBe(true);
    // 20 unknown kids within one cooldown: they wait it out together and share one refetch.
    expect(server.fetches).toBe(2);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers UNAVAILABLE (not UNAUTHORIZED) when the JWKS cannot be fetched', async () => {
    const token = await sign(key);
    server.status = 503;
    expect((await refusal(verifier, token)).code).toBe('UNAVAILABLE');
    await server.stop();
    const unreachable = new TokenVerifier({ jwksUrl: server.url, issuer: ISSUER, audience: AUDIENCE });
    expect((await refusal(unreachable, token)).code).toBe('UNAVAILABLE');
    await server.start(); // afterEach stops it again
  });
});

describe('TokenVerifier (local key resolver)', () => {
  it('verifies with the keys it is given, under the same rules', async () => {
    const key = await newKey();
    const verifier = new TokenVerifier({
      keys: createLocalJWKSet({ keys: [key.jwk] }),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await expect(verifier.verify(await sign(key))).resolves.toMatchObject({
      userId: 'u-1',
      sessionId: 's-1',
    });
    const [, payload] = (await sign(key)).split('.');
    expect((await refusal(verifier, `${b64({ alg: 'none' })}.${payload}.`)).code).toBe('UNAUTHORIZED');
    expect((await refusal(verifier, await sign(key, { aud: 'other' }))).code).toBe('UNAUTHORIZED');
    expect((await refusal(verifier, await sign(await newKey()))).code).toBe('UNAUTHORIZED');
  });

  it('pins EdDSA even when the key source would hand out a key for another algorithm', async () => {
    const key = await newKey();
    const publicBytes = new Uint8Array(Buffer.from(key.jwk.x as string, 'base64url'));
    // A careless resolver: whatever the header asks for, it finds something.
    const verifier = new TokenVerifier({
      keys: async (header) => (header.alg === 'HS256' ? publicBytes : key.publicKey),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const forged = await new SignJWT({ ...validClaims, role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now())
      .setExpirationTime(now() + 60)
      .sign(publicBytes);
    expect((await refusal(verifier, forged)).code).toBe('UNAUTHORIZED');
    await expect(verifier.verify(await sign(key))).resolves.toMatchObject({ role: 'user' });
  });

  it('refuses an EdDSA token when the key source hands out anything but an Ed25519 public key', async () => {
    const key = await newKey();
    const token = await sign(key);
    const { publicKey: ecKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { privateKey: edPrivate } = generateKeyPairSync('ed25519');
    for (const wrong of [ecKey, edPrivate, new Uint8Array(32), 'a string']) {
      const verifier = new TokenVerifier({
        keys: async () => wrong as never,
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      expect((await refusal(verifier, token)).code).toBe('UNAUTHORIZED');
    }
  });

  it('takes the key as a WebCrypto key, a KeyObject or a JWK, and checks every token against it', async () => {
    const key = await newKey();
    for (const given of [key.publicKey, KeyObject.from(key.publicKey), key.jwk]) {
      const verifier = new TokenVerifier({
        keys: async () => given as never,
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      // Twice with the same key object: nothing kept from the first check lets a second token through unchecked.
      await expect(verifier.verify(await sign(key))).resolves.toMatchObject({ userId: 'u-1' });
      await expect(
        verifier.verify(await sign(key, { claims: { ...validClaims, sid: 's-2' } })),
      ).resolves.toMatchObject({ sessionId: 's-2' });
      const [header, payload, signature] = (await sign(key)).split('.');
      const tampered = `${header}.${b64({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })}.${signature}`;
      expect((await refusal(verifier, tampered)).code).toBe('UNAUTHORIZED');
    }
  });

  it('passes on a DomainException from the resolver (e.g. keys not loaded yet)', async () => {
    const key = await newKey();
    const verifier = new TokenVerifier({
      keys: () => Promise.reject(new DomainException('UNAVAILABLE', 'Signing keys are not loaded yet')),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    expect((await refusal(verifier, await sign(key))).message).toBe('Signing keys are not loaded yet');
  });

  it('takes jwksUrl or keys, not both and not neither', () => {
    const keys = createLocalJWKSet({ keys: [] });
    expect(
      () => new TokenVerifier({ keys, jwksUrl: 'http://x/', issuer: ISSUER, audience: AUDIENCE } as never),
    ).toThrow(/not both/);
    expect(() => new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE } as never)).toThrow(/needs/);
  });
});
