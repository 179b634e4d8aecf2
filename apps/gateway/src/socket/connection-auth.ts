import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { sharedRedisKeys, type Principal } from '@danmaku/contracts';
import { DomainException, REDIS, TokenVerifier } from '@danmaku/platform';

/** Checks the handshake token: signature, claims, and that its session is not revoked. */
@Injectable()
export class ConnectionAuth {
  constructor(
    private readonly verifier: TokenVerifier,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async authenticate(token: unknown): Promise<Principal> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      throw new DomainException('UNAUTHORIZED', 'A token is required');
    }
    const principal = await this.verifier.verify(token);
    if (await this.redis.exists(sharedRedisKeys.revokedSession(principal.sessionId))) {
      throw new DomainException('UNAUTHORIZED', 'Session revoked');
    }
    return principal;
  }
}
