import { DENSITY_COUNTER_MS } from '../store/replay-keys';

/** Most buckets one density answer may hold. */
export const MAX_DENSITY_BUCKETS = 10_000;

/** Buckets covering offsets 0 .. lastOffset inclusive. */
export function bucketCount(lastOffsetMs: number, bucketMs: number): number {
  return Math.floor(lastOffsetMs / bucketMs) + 1;
}

/** Whether the per-second counters alone give exact buckets of this width. */
export function countersServe(bucketMs: number): boolean {
  return bucketMs % DENSITY_COUNTER_MS === 0;
}

/**
 * Sums per-second counters (second index → count) into `n` buckets of `bucketMs`
 * (a multiple of the counter width). Counters past the last bucket are ignored.
 */
export function aggregateCounters(counters: Map<number, number>, bucketMs: number, n: number): number[] {
  const buckets = new Array<number>(n).fill(0);
  for (const [second, count] of counters) {
    const i = Math.floor((second * DENSITY_COUNTER_MS) / bucketMs);
    if (i >= 0 && i < n && count > 0) buckets[i] += count;
  }
  return buckets;
}
