import { Injectable } from '@nestjs/common';
import type { Principal } from '@danmaku/contracts';
import { DomainException, TokenVerifier } from '@danmaku/platform';

/** Checks a handshake (or `auth:refresh`) token: signature, claims, and that its session is not revoked. */
@Injectable()
export class ConnectionAuth {
  constructor(private readonly verifier: TokenVerifier) {}

  async authenticate(token: unknown): Promise<Principal> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new DomainException('UNAUTHORIZED', 'A token is required');
    }
    return this.verifier.verify(token);
  }
}
