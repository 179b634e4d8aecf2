import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import type Redis from 'ioredis';
import { REDIS, turnPipeline } from '@danmaku/platform';
import { NONCE_PENDING_TTL_SEC, NONCE_TTL_SEC } from '../config/gateway.config';

export const nonceKey = (userId: string, nonce: string) => `gw:nonce:{${userId}}:${nonce}`;

/**
 * What a nonce stands for: `pending` while its first attempt is being handed to Kafka,
 * `queued` once Kafka took it. Stored as `p:<id>` / `q:<id>`; a bare id (written before
 * the states existed) reads as queued.
 */
export type NonceClaim = { claimed: true } | { claimed: false; state: 'pending' | 'queued'; id: string };

/** Marks a pending nonce queued, only if it still names this attempt (compare-and-set). */
const MARK_QUEUED = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or v == false then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0`;

/** Frees a nonce whose attempt failed, only if it still names this attempt (compare-and-delete). */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Remembers what a sender's nonce became, across every gateway instance, for 10 minutes.
 * A resend must never be answered `ok` before the first attempt is durably queued: the
 * claim tells a pending attempt from a queued one.
 */
@Injectable()
export class NonceRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /**
   * Claims the nonce for a new attempt `id`, or reports what an earlier attempt left.
   * The pending mark outlives the producer's longest retry (see NONCE_PENDING_TTL_SEC),
   * so a gateway that dies mid-attempt frees the nonce by itself.
   */
  async claim(userId: string, nonce: string, id: string): Promise<NonceClaim> {
    const [[err, res]] = (await turnPipeline(this.redis, (p) =>
      NonceRepository.queueClaim(p, userId, nonce, id),
    )) as [Error | null, string | null][];
    if (err) throw err;
    return NonceRepository.readClaim(res);
  }

  /** Adds the claim to a pipeline (so a caller can share one round trip); read it with `readClaim`. */
  static queueClaim(pipeline: ChainableCommander, userId: string, nonce: string, id: string): void {
    pipeline.set(nonceKey(userId, nonce), `p:${id}`, 'EX', NONCE_PENDING_TTL_SEC, 'NX', 'GET');
  }

  static readClaim(previous: string | null): NonceClaim {
    if (previous === null) return { claimed: true };
    if (previous.startsWith('p:')) return { claimed: false, state: 'pending', id: previous.slice(2) };
    return { claimed: false, state: 'queued', id: previous.startsWith('q:') ? previous.slice(2) : previous };
  }

  /** The attempt `id` is durably queued: resends answer with it for the nonce's lifetime. */
  async markQueued(userId: string, nonce: string, id: string): Promise<void> {
    await this.redis.eval(MARK_QUEUED, 1, nonceKey(userId, nonce), `p:${id}`, `q:${id}`, NONCE_TTL_SEC);
  }

  /** Frees a nonce whose attempt could not be queued, so a retry can queue it. */
  async release(userId: string, nonce: string, id: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, nonceKey(userId, nonce), `p:${id}`);
  }
}
