import { Inject, Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify, type JWTHeaderParameters } from 'jose';
import { accessTokenClaimsSchema, type Principal } from '@danmaku/contracts';
import { ACCESS_TOKEN_ALG, DomainException } from '@danmaku/platform';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { SigningKeyService } from '../keys/signing-key.service';
import { SessionRepository } from '../sessions/session.repository';

/**
 * Verifies access tokens for auth's own Bearer routes (`/me`, `/logout`, `PUT role`).
 *
 * Same rules as `TokenVerifier` in @danmaku/platform (pinned EdDSA, issuer, audience,
 * required claims, the contract claim schema, revoked `sid` refused), but the keys come
 * straight from the key store this process signs with, not from its own JWKS over HTTP:
 * no loopback hop that depends on which address the app is reachable at, no 10-minute
 * JWKS cache, and a key added by a rotation is known the moment the store has it.
 * `TokenVerifier` only takes a JWKS URL today; see the report for folding this in.
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    private readonly keys: SigningKeyService,
    private readonly sessions: SessionRepository,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async verify(token: string): Promise<Principal> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.keyFor(header), {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: this.config.TOKEN_ISSUER,
        audience: this.config.TOKEN_AUDIENCE,
        requiredClaims: ['sub', 'sid', 'exp', 'iat'],
      }));
    } catch (e) {
      if (e instanceof DomainException) throw e;
      if (e instanceof joseErrors.JOSEError) {
        throw new DomainException(
          'UNAUTHORIZED',
          e instanceof joseErrors.JWTExpired ? 'Token expired' : 'Invalid token',
        );
      }
      // A token jose cannot even parse (bad base64, not JSON) is still just a bad token.
      throw new DomainException('UNAUTHORIZED', 'Invalid token');
    }
    const claims = accessTokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw new DomainException('UNAUTHORIZED', 'Invalid token claims');
    if (await this.sessions.isRevoked(claims.data.sid)) {
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

  private async keyFor(header: JWTHeaderParameters) {
    const key = await this.keys.publicKey(header.kid);
    if (!key) throw new joseErrors.JWKSNoMatchingKey();
    return key;
  }
}
