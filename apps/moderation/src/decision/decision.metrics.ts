import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { MetricsService } from '@danmaku/platform';

@Injectable()
export class DecisionMetrics {
  readonly decisions: Counter<'outcome' | 'code'>;
  readonly redelivered: Counter;
  readonly batchDuration: Histogram;
  readonly queueLatency: Histogram;
  readonly staleContexts: Counter;

  constructor(metrics: MetricsService) {
    this.decisions = metrics.counter(
      'moderation_decisions_total',
      'Submissions decided for the first time, by outcome and rejection code',
      ['outcome', 'code'],
    );
    this.redelivered = metrics.counter(
      'moderation_redelivered_total',
      'Submissions seen again and answered with their stored decision',
    );
    this.batchDuration = metrics.histogram(
      'moderation_decision_batch_duration_seconds',
      'Time to decide and publish one partition batch',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    this.queueLatency = metrics.histogram(
      'moderation_decision_latency_seconds',
      'From the gateway receiving a submission (sentAt) to its decision',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.staleContexts = metrics.counter(
      'moderation_stale_context_total',
      'Submissions evaluated again because their room or site context changed during the decision',
    );
  }
}
