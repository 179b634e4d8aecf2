import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '@danmaku/platform';

/** The replay app's own Prometheus metrics (beside the platform's process metrics). */
@Injectable()
export class ReplayMetrics {
  readonly stored: Counter;
  readonly ignored: Counter<'reason'>;
  readonly retracted: Counter;
  readonly sessionEvents: Counter<'type'>;
  readonly ingestBatchSeconds: Histogram;
  readonly retentionSessionsPurged: Counter;
  readonly retentionMessagesDeleted: Counter;
  readonly retentionLastSweep: Gauge;

  constructor(metrics: MetricsService) {
    this.stored = metrics.counter('replay_danmaku_stored_total', 'Accepted danmaku newly stored');
    this.ignored = metrics.counter(
      'replay_danmaku_ignored_total',
      'Accepted danmaku not stored: reason=duplicate (redelivered), retracted (tombstoned) or expired (past retention)',
      ['reason'],
    );
    this.retracted = metrics.counter(
      'replay_danmaku_retracted_total',
      'Stored danmaku removed by a retraction',
    );
    this.sessionEvents = metrics.counter('replay_session_events_total', 'Session events applied', ['type']);
    this.ingestBatchSeconds = metrics.histogram(
      'replay_ingest_batch_duration_seconds',
      'Time to store one consumed partition batch of accepted danmaku',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    this.retentionSessionsPurged = metrics.counter(
      'replay_retention_sessions_purged_total',
      'Sessions deleted by the retention sweep (ended more than REPLAY_RETENTION_DAYS ago)',
    );
    this.retentionMessagesDeleted = metrics.counter(
      'replay_retention_messages_deleted_total',
      'Danmaku bodies deleted by the retention sweep',
    );
    this.retentionLastSweep = metrics.gauge(
      'replay_retention_last_sweep_timestamp_seconds',
      'When this instance last finished a retention sweep (unix seconds)',
    );
  }
}
