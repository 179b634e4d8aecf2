import type Redis from 'ioredis';

export interface RedisPersistence {
  /** Every write appended to the AOF. */
  aof: boolean;
  /** RDB snapshots configured (`save` not empty; unknown counts as on). */
  rdbSaves: boolean;
}

/** How the Redis behind `redis` persists its data, or null when it cannot tell. */
export async function redisPersistence(redis: Redis): Promise<RedisPersistence | null> {
  try {
    const info = await redis.info('persistence');
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    const config = (await redis.config('GET', 'save').catch(() => null)) as string[] | null;
    return { aof: field('aof_enabled') === '1', rdbSaves: config === null || (config[1] ?? '') !== '' };
  } catch {
    return null;
  }
}
