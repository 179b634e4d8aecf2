import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { sharedRedisKeys } from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';

/** Reads the auth app's revoked-session markers, so a logged-out moderator loses power at once. */
@Injectable()
export class RevocationRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(sharedRedisKeys.revokedSession(sessionId))) === 1;
  }
}
