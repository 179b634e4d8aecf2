import { Injectable } from '@nestjs/common';
import type { SessionDensity } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { positionOfMember } from '../store/replay-keys';
import { ReplayStoreRepository } from '../store/replay-store.repository';
import { aggregateCounters, bucketCount, countersServe, MAX_DENSITY_BUCKETS } from './density';

/**
 * The "high-energy" histogram of a session. Never scans messages: widths that are whole
 * seconds sum the per-second counters kept by ingest; other widths count each bucket's
 * window on the timeline (ZLEXCOUNT, O(log n) per bucket).
 */
@Injectable()
export class DensityService {
  constructor(private readonly store: ReplayStoreRepository) {}

  async density(
    roomId: string,
    sessionId: string,
    bucketMs: number,
  ): Promise<{ density: SessionDensity; ended: boolean }> {
    const useCounters = countersServe(bucketMs);
    const source = await this.store.readDensitySource(roomId, sessionId, useCounters);
    if (!source.found) throw new DomainException('NOT_FOUND', `No session ${sessionId} in room ${roomId}`);
    const ended = source.endedAt !== null;
    if (source.lastMember === '') return { density: { bucketMs, buckets: [] }, ended };
    const lastOffset = positionOfMember(source.lastMember).at;
    const n = bucketCount(lastOffset, bucketMs);
    if (n > MAX_DENSITY_BUCKETS) {
      throw new DomainException('INVALID_PAYLOAD', 'Invalid query', [
        {
          path: 'bucketMs',
          message: `gives ${n} buckets for this session (at most ${MAX_DENSITY_BUCKETS}); use bucketMs >= ${Math.ceil((lastOffset + 1) / MAX_DENSITY_BUCKETS)}`,
        },
      ]);
    }
    const buckets = useCounters
      ? aggregateCounters(source.counters, bucketMs, n)
      : await this.store.countBuckets(roomId, sessionId, bucketMs, n);
    return { density: { bucketMs, buckets }, ended };
  }
}
