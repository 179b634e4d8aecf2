import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import type { Role } from '@danmaku/contracts';
import { ACCESS_TOKEN_ALG } from '@danmaku/platform';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { SigningKeyService } from '../keys/signing-key.service';

export interface AccessTokenSubject {
  userId: string;
  nickname: string;
  role: Role;
  sessionId: string;
}

export interface IssuedAccessToken {
  accessToken: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

/** Signs access JWTs (EdDSA/Ed25519, header `kid`) with the claims of `accessTokenClaimsSchema`. */
@Injectable()
export class AccessTokenService {
  constructor(
    private readonly keys: SigningKeyService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** A token for an account session (role user or admin). */
  issueForUser(subject: AccessTokenSubject): Promise<IssuedAccessToken> {
    return this.issue(subject, this.config.ACCESS_TOKEN_TTL_SEC);
  }

  /** A token for a guest: no account, no refresh token, its own lifetime. */
  issueForGuest(subject: AccessTokenSubject): Promise<IssuedAccessToken> {
    return this.issue(subject, this.config.GUEST_TOKEN_TTL_SEC);
  }

  private async issue(subject: AccessTokenSubject, ttlSec: number): Promise<IssuedAccessToken> {
    const { kid, key } = this.keys.current();
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({
      name: subject.nickname,
      role: subject.role,
      sid: subject.sessionId,
    })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid, typ: 'JWT' })
      .setSubject(subject.userId)
      .setIssuer(this.config.TOKEN_ISSUER)
      .setAudience(this.config.TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSec)
      .sign(key);
    return { accessToken, expiresIn: ttlSec };
  }
}
