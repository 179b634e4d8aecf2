import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '@danmaku/platform';
import { NONCE_TTL_SEC } from '../config/gateway.config';

const nonceKey = (userId: string, nonce: string) => `gw:nonce:{${userId}}:${nonce}`;

/** Remembers which id a sender's nonce got, across every gateway instance, for 10 minutes. */
@Injectable()
export class NonceRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Claims the nonce for `id`; returns the id it already had when it was claimed before. */
  async claim(userId: string, nonce: string, id: string): Promise<{ claimed: true } | { claimed: false; id: string }> {
    const res = await this.redis.set(nonceKey(userId, nonce), id, 'EX', NONCE_TTL_SEC, 'NX', 'GET');
    return res === null ? { claimed: true } : { claimed: false, id: res };
  }

  /** Frees a nonce whose message could not be queued, so a retry can queue it. */
  async release(userId: string, nonce: string, id: string): Promise<void> {
    // Only if it still names this id (compare-and-delete).
    await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      nonceKey(userId, nonce),
      id,
    );
  }
}
