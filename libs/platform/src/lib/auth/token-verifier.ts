import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { accessTokenClaimsSchema, type Principal } from '@danmaku/contracts';
import { DomainException } from '../errors/domain.exception';

export interface TokenVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Optional revocation check by session id (`sid`). */
  isRevoked?: (sessionId: string) => Promise<boolean>;
}

/** The one algorithm tokens may use; `none`, HS* and RS* are refused whatever the header says. */
export const ACCESS_TOKEN_ALG = 'EdDSA';

/**
 * Verifies access tokens locally against the auth app's JWKS (cached; refetched when a
 * token names an unknown `kid`). Pinned algorithm, issuer and audience.
 */
export class TokenVerifier {
  private readonly jwks: JWTVerifyGetKey;

  constructor(private readonly options: TokenVerifierOptions) {
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: 5_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 3_000,
    });
  }

  async verify(token: string): Promise<Principal> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['sub', 'sid', 'exp', 'iat'],
      }));
    } catch (e) {
      if (e instanceof joseErrors.JOSEError && !(e instanceof joseErrors.JWKSTimeout)) {
        const reason = e instanceof joseErrors.JWTExpired ? 'Token expired' : 'Invalid token';
        throw new DomainException('UNAUTHORIZED', reason);
      }
      throw new DomainException('UNAVAILABLE', 'Cannot verify tokens right now');
    }
    const claims = accessTokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw new DomainException('UNAUTHORIZED', 'Invalid token claims');
    if (this.options.isRevoked && (await this.options.isRevoked(claims.data.sid))) {
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
}
