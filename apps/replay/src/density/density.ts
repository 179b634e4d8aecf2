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
