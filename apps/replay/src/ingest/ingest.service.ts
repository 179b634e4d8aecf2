import { Inject, Injectable } from '@nestjs/common';
import type { Danmaku } from '@danmaku/contracts';
import { REPLAY_CONFIG, type ReplayConfig } from '../config/replay.config';
import { ReplayStoreRepository, type IngestOutcome } from '../store/replay-store.repository';
import { ReplayMetrics } from '../metrics/replay.metrics';
import { expiredOnArrival, retentionCutoff } from '../retention/retention-policy';
import { buildIngestPlans } from './ingest-plan';

/**
 * Stores accepted danmaku, idempotently: a redelivered or retracted id is ignored, and so is
 * one already past retention (its session purged, or session-less and too old).
 */
@Injectable()
export class IngestService {
  constructor(
    private readonly store: ReplayStoreRepository,
    private readonly metrics: ReplayMetrics,
    @Inject(REPLAY_CONFIG) private readonly config: Pick<ReplayConfig, 'REPLAY_RETENTION_DAYS'>,
  ) {}

  async ingest(items: Danmaku[], now = Date.now()): Promise<IngestOutcome> {
    const cutoff = retentionCutoff(this.config.REPLAY_RETENTION_DAYS, now);
    const kept = cutoff === null ? items : items.filter((d) => !expiredOnArrival(d, cutoff));
    const endTimer = this.metrics.ingestBatchSeconds.startTimer();
    const outcome = await this.store.ingest(buildIngestPlans(kept));
    endTimer();
    outcome.expired += items.length - kept.length;
    this.metrics.stored.inc(outcome.stored);
    if (outcome.duplicates > 0) this.metrics.ignored.inc({ reason: 'duplicate' }, outcome.duplicates);
    if (outcome.retracted > 0) this.metrics.ignored.inc({ reason: 'retracted' }, outcome.retracted);
    if (outcome.expired > 0) this.metrics.ignored.inc({ reason: 'expired' }, outcome.expired);
    return outcome;
  }
}
