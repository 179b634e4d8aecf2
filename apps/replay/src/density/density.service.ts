import { Injectable } from '@nestjs/common';
import type { SessionDensity } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { positionOfMember } from '../store/replay-keys';
import { ReplayStoreRepository } from '../store/replay-store.repository';
import { etagMatches, sessionEtag, type SessionAnswer } from '../timeline/cache-policy';
import { bucketCount, countersServe, MAX_DENSITY_BUCKETS } from './density';

/**
 * The "high-energy" histogram of a session. Never scans messages: widths that are whole
 * seconds sum the per-second counters kept by ingest (in Redis, O(session seconds)); other
 * widths count each bucket's window on the timeline (ZLEXCOUNT, O(log n) per bucket).
 */
@Injectable()
export class DensityService {
  constructor(private readonly store: ReplayStoreRepository) {}

  /** With `ifNoneMatch` naming the session's current version: no body (304), nothing counted. */
  async density(
    roomId: string,
    sessionId: string,
    bucketMs: number,
    ifNoneMatch?: string,
  ): Promise<SessionAnswer<SessionDensity>> {
    if (ifNoneMatch) {
      const state = await this.store.readSessionState(roomId, sessionId);
      const etag = sessionEtag(state.version);
      if (state.found && etagMatches(ifNoneMatch, etag))
        return { body: null, etag, ended: state.endedAt !== null };
    }
    const useCounters = countersServe(bucketMs);
    const source = await this.store.readDensitySource(
      roomId,
      sessionId,
      useCounters ? { bucketMs, maxBuckets: MAX_DENSITY_BUCKETS } : null,
    );
    if (!source.found) throw new DomainException('NOT_FOUND', `No session ${sessionId} in room ${roomId}`);
    const ended = source.endedAt !== null;
    const etag = sessionEtag(source.version);
    if (source.lastMember === '') return { body: { bucketMs, buckets: [] }, etag, ended };
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
      ? source.buckets
      : await this.store.countBuckets(roomId, sessionId, bucketMs, n);
    // The exact path reads the timeline after the source: a danmaku stored in between may be
    // counted under the older version's ETag; the next change of version corrects it.
    return { body: { bucketMs, buckets }, etag, ended };
  }
}
