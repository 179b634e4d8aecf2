import { Injectable } from '@nestjs/common';
import type { Danmaku } from '@danmaku/contracts';
import { ReplayStoreRepository, type IngestOutcome } from '../store/replay-store.repository';
import { ReplayMetrics } from '../metrics/replay.metrics';
import { buildIngestPlans } from './ingest-plan';

/** Stores accepted danmaku, idempotently: a redelivered or retracted id is ignored. */
@Injectable()
export class IngestService {
  constructor(
    private readonly store: ReplayStoreRepository,
    private readonly metrics: ReplayMetrics,
  ) {}

  async ingest(items: Danmaku[]): Promise<IngestOutcome> {
    const endTimer = this.metrics.ingestBatchSeconds.startTimer();
    const outcome = await this.store.ingest(buildIngestPlans(items));
    endTimer();
    this.metrics.stored.inc(outcome.stored);
    if (outcome.duplicates > 0) this.metrics.ignored.inc({ reason: 'duplicate' }, outcome.duplicates);
    if (outcome.retracted > 0) this.metrics.ignored.inc({ reason: 'retracted' }, outcome.retracted);
    return outcome;
  }
}
