import Redis from 'ioredis';
import { redisKeyPrefix } from '../config/config';

export interface RedisClientOptions {
  url: string;
  namespace: string;
  /** Shown in CLIENT LIST, handy when debugging. */
  name: string;
}

/**
 * An ioredis client that keeps retrying while Redis is away and fails commands fast
 * (no unbounded offline queue), so callers can answer UNAVAILABLE instead of hanging.
 */
export function createRedisClient(opts: RedisClientOptions): Redis {
  return new Redis(opts.url, {
    connectionName: opts.name,
    keyPrefix: redisKeyPrefix(opts.namespace),
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
    // Commands issued in the same tick leave in one write (one syscall, one read on the
    // Redis side): a Kafka batch's per-message sends, a burst of sends' nonce marks.
    // Explicit pipelines and MULTI are unaffected; pub/sub connections turn it off.
    enableAutoPipelining: true,
  });
}

export async function redisIsUsable(client: Redis): Promise<boolean> {
  if (client.status !== 'ready') return false;
  return (await client.ping()) === 'PONG';
}
