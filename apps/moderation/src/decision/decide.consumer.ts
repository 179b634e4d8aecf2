import { Inject, Injectable } from '@nestjs/common';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { ConsumerHost } from '@danmaku/kafka';
import { MODERATION_CONFIG, type ModerationConfig } from '../config/moderation.config';
import { KafkaConnection } from '../messaging/kafka-connection.service';
import { DecisionService } from './decision.service';

/**
 * The decision pipeline's edge: consumes `danmaku.submitted.v1` as group
 * `moderation.decide` in partition batches, each partition in order (up to
 * MODERATION_DECIDE_CONCURRENCY partitions at once, decided together). The next fetch is
 * read while a batch is decided; offsets are committed only after the batch's decisions
 * are published, so a failure or a crash redoes it (decisions are idempotent). Several
 * instances share the partitions; one that dies hands its partitions over after
 * MODERATION_GROUP_SESSION_TIMEOUT_MS. Started (once the producer is connected) and stopped
 * by the app's ConsumerHost; `/readyz` checks `kafka:moderation.decide`.
 */
@Injectable()
export class DecideConsumer {
  constructor(
    host: ConsumerHost,
    connection: KafkaConnection,
    decisions: DecisionService,
    @Inject(MODERATION_CONFIG) config: ModerationConfig,
  ) {
    host.add({
      topic: KAFKA_TOPICS.danmakuSubmitted,
      app: 'moderation',
      purpose: 'decide',
      fromBeginning: true,
      startAfter: () => connection.whenConnected(),
      partitionsConsumedConcurrently: config.MODERATION_DECIDE_CONCURRENCY,
      // The partitions of one fetch are decided together: one snapshot, one decision script
      // round trip, one recent-buffer append and one produce for all their rooms; the next
      // fetch gathers what arrives meanwhile.
      coalescePartitions: true,
      pipelined: true,
      minCycleMs: config.MODERATION_DECIDE_MIN_CYCLE_MS,
      commitIntervalMs: 500,
      sessionTimeoutMs: config.MODERATION_GROUP_SESSION_TIMEOUT_MS,
      // Backoff between retries stays below the session timeout (heartbeats go on meanwhile).
      maxRetryDelayMs: Math.min(5000, config.MODERATION_GROUP_SESSION_TIMEOUT_MS),
      handleBatch: async (messages, ctx) => {
        await decisions.decideBatch(
          messages.map((m) => m.value),
          ctx.heartbeat,
        );
      },
    });
  }
}
