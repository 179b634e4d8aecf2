import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { KafkaClient, TypedConsumer } from '@danmaku/kafka';
import { APP_LOGGER, ReadinessService } from '@danmaku/platform';
import { MODERATION_CONFIG, type ModerationConfig } from '../config/moderation.config';
import { KafkaConnection } from '../messaging/kafka-connection.service';
import { DecisionMetrics } from './decision.metrics';
import { DecisionService } from './decision.service';

/**
 * The decision pipeline's edge: consumes `danmaku.submitted.v1` as group
 * `moderation.decide` in partition batches, each partition in order (up to
 * MODERATION_DECIDE_CONCURRENCY partitions at once, decided together). Offsets are committed
 * only after the batch's decisions are published; a failure retries the same batch.
 */
@Injectable()
export class DecideConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: TypedConsumer<typeof KAFKA_TOPICS.danmakuSubmitted.schema>;
  private stopped = false;

  constructor(
    kafka: KafkaClient,
    private readonly connection: KafkaConnection,
    private readonly decisions: DecisionService,
    readiness: ReadinessService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(MODERATION_CONFIG) config: ModerationConfig,
  ) {
    this.consumer = new TypedConsumer(kafka, {
      topic: KAFKA_TOPICS.danmakuSubmitted,
      app: 'moderation',
      purpose: 'decide',
      fromBeginning: true,
      partitionsConsumedConcurrently: config.MODERATION_DECIDE_CONCURRENCY,
      // The partitions of one fetch are decided together: one snapshot, one decision script
      // round trip, one recent-buffer append and one produce for all their rooms.
      coalescePartitions: true,
      // Offsets are resolved only after a batch's decisions are published; committing them
      // at most every 500 ms saves a request per batch (a crash redelivers a little more,
      // and redelivered submissions find their stored decisions).
      commitIntervalMs: 500,
      // Under load, at most one fetch-decide-publish cycle per 10 ms: more submissions share
      // each cycle's round trips. A submission arriving after a quiet spell is decided at once.
      minCycleMs: 10,
      handleBatch: async (messages, ctx) => {
        await this.decisions.decideBatch(
          messages.map((m) => m.value),
          ctx.heartbeat,
        );
      },
    });
    readiness.register('kafka-consumer:decide', () => this.consumer.isReady);
  }

  onApplicationBootstrap(): void {
    void this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    // Waits for the running batch, so its decisions are published before the producer closes.
    await this.consumer.stop().catch(() => undefined);
  }

  private async start(): Promise<void> {
    await this.connection.whenConnected();
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.consumer.start();
        return;
      } catch (err) {
        const delay = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
        this.logger.warn({ err: String(err), attempt, delay }, 'decide consumer failed to start, retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
