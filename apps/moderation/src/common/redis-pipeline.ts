import type { ChainableCommander } from 'ioredis';

/** Runs a pipeline or MULTI and returns its replies, throwing the first command error. */
export async function execOrThrow(p: ChainableCommander): Promise<unknown[]> {
  const results = (await p.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
