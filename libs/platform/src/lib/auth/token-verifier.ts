import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTHeaderParameters,
  type JWTVerifyGetKey,
  type FlattenedJWSInput,
} from 'jose';
import { accessTokenClaimsSchema, type Principal } from '@danmaku/contracts';
import { DomainException } from '../errors/domain.exception';

interface CommonOptions {
  issuer: string;
  audience: string;
  /** Optional revocation check by session id (`sid`). A failure answers UNAVAILABLE. */
  isRevoked?: (sessionId: string) => Promise<boolean>;
}

/** Verify against the auth app's published JWKS (every app but auth). */
export interface RemoteKeysOptions extends CommonOptions {
  jwksUrl: string;
  keys?: never;
  /**
   * How soon after a JWKS fetch an unknown `kid` may trigger the next one (default 1000 ms).
   * A token naming a kid unknown during that time waits for it to pass and is checked
   * against a fresh fetch, so a key published by a rotation is never refused.
   */
  jwksCooldownMs?: number;
}

/** Verify against keys the caller resolves itself (the auth app: its own key store). */
export interface LocalKeysOptions extends CommonOptions {
  /** Resolves the public key for a token header; throw `errors.JWKSNoMatchingKey` for an unknown kid. */
  keys: JWTVerifyGetKey;
  jwksUrl?: never;
}

export type TokenVerifierOptions = RemoteKeysOptions | LocalKeysOptions;

/** The one algorithm tokens may use; `none`, HS* and RS* are refused whatever the header says. */
export const ACCESS_TOKEN_ALG = 'EdDSA';

/** Refetch the JWKS for an unknown kid at most this often. */
export const JWKS_COOLDOWN_MS = 1_000;
/** Refetch it anyway after this long (the auth app serves it with `max-age=300`). */
export const JWKS_CACHE_MAX_AGE_MS = 5 * 60_000;
const JWKS_TIMEOUT_MS = 3_000;

/**
 * Verifies access tokens: signature with a pinned algorithm (EdDSA) and a named `kid`,
 * `iss`, `aud`, `exp` (no leeway), the required claims and the contract claim schema,
 * then the revocation check. Keys come from the auth app's JWKS (cached, refetched on an
 * unknown `kid`) or from a resolver the caller passes.
 *
 * Errors are DomainExceptions: `UNAUTHORIZED` for anything about the token ("Token
 * expired", "Invalid token", "Invalid token claims", "Session revoked"), `UNAVAILABLE`
 * when the keys or the revocation store cannot be reached.
 *
 * @example
 * const verifier = new TokenVerifier({ jwksUrl: 'http://auth:3001/.well-known/jwks.json', issuer, audience });
 * const principal = await verifier.verify(token);
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly options: TokenVerifierOptions) {
    if (options.keys && options.jwksUrl) throw new Error('TokenVerifier takes jwksUrl or keys, not both');
    if (options.keys) this.keys = options.keys;
    else if (options.jwksUrl)
      this.keys = remoteKeys(options.jwksUrl, options.jwksCooldownMs ?? JWKS_COOLDOWN_MS);
    else throw new Error('TokenVerifier needs jwksUrl or keys');
  }

  async verify(token: string): Promise<Principal> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, (header, jws) => this.keyFor(header, jws), {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['sub', 'sid', 'exp', 'iat'],
      }));
    } catch (e) {
      if (e instanceof DomainException) throw e;
      // Everything else is about the token itself, malformed input included: key-source
      // failures were turned into UNAVAILABLE by keyFor.
      throw new DomainException(
        'UNAUTHORIZED',
        e instanceof joseErrors.JWTExpired ? 'Token expired' : 'Invalid token',
      );
    }
    const claims = accessTokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw new DomainException('UNAUTHORIZED', 'Invalid token claims');
    if (this.options.isRevoked && (await this.revoked(claims.data.sid))) {
      throw new DomainException('UNAUTHORIZED', 'Session revoked');
    }
    return {
      userId: claims.data.sub,
      nickname: claims.data.name,
      role: claims.data.role,
      sessionId: claims.data.sid,
      expiresAt: claims.data.exp * 1000,
    };
  }

  /** Runs only after the algorithm check passed (jose checks `algorithms` first). */
  private async keyFor(header: JWTHeaderParameters, jws: FlattenedJWSInput) {
    // Every token auth signs names its key; without a kid, a key set holding two keys
    // during a rotation could not tell which one to use.
    if (typeof header.kid !== 'string' || header.kid === '') throw new joseErrors.JWKSNoMatchingKey();
    try {
      return await this.keys(header, jws);
    } catch (e) {
      if (e instanceof DomainException || isAboutTheToken(e)) throw e;
      // Timeout, connection refused, a non-200 or unreadable JWKS: not the caller's fault.
      throw new DomainException('UNAVAILABLE', 'Cannot verify tokens right now');
    }
  }

  private async revoked(sessionId: string): Promise<boolean> {
    try {
      return await (this.options.isRevoked as (sid: string) => Promise<boolean>)(sessionId);
    } catch (e) {
      if (e instanceof DomainException) throw e;
      // Failing open would let a logged-out session back in while Redis is away.
      throw new DomainException('UNAVAILABLE', 'Cannot verify tokens right now');
    }
  }
}

function isAboutTheToken(e: unknown): boolean {
  return (
    e instanceof joseErrors.JWKSNoMatchingKey ||
    e instanceof joseErrors.JWKSMultipleMatchingKeys ||
    e instanceof joseErrors.JOSENotSupported
  );
}

/**
 * jose's remote JWKS, plus one rule: a kid that is unknown while the set is "cooling
 * down" (fetched less than `cooldownMs` ago, so jose will not refetch) is retried once
 * after the cooldown. Otherwise a token signed with a key published by a rotation just
 * after our last fetch would be refused. Forged kids still cost at most one fetch per
 * cooldown (jose also shares concurrent fetches); they only wait longer for their 401.
 */
function remoteKeys(jwksUrl: string, cooldownMs: number): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(new URL(jwksUrl), {
    cooldownDuration: cooldownMs,
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  return async (header, jws) => {
    // If it is not cooling down, jose itself refetches on an unknown kid: nothing to add.
    const fetchedRecently = remote.coolingDown;
    try {
      return await remote(header, jws);
    } catch (e) {
      if (!(e instanceof joseErrors.JWKSNoMatchingKey) || !fetchedRecently) throw e;
      await new Promise((resolve) => setTimeout(resolve, cooldownMs));
      return remote(header, jws);
    }
  };
}
