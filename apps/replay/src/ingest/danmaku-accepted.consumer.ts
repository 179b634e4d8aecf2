import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { KafkaClient } from '@danmaku/kafka';
import { ReadinessService } from '@danmaku/platform';
import { ManagedConsumer } from '../consumers/managed-consumer';
import { ReplayMetrics } from '../metrics/replay.metrics';
import { IngestService } from './ingest.service';

/**
 * `danmaku.accepted.v1` → the store (group `replay.store`). A new group starts from the
 * beginning so a fresh replay store fills itself from Kafka's retention.
 */
@Injectable()
export class DanmakuAcceptedConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: ManagedConsumer<typeof KAFKA_TOPICS.danmakuAccepted.schema>;

  constructor(
    kafka: KafkaClient,
    readiness: ReadinessService,
    metrics: ReplayMetrics,
    ingest: IngestService,
  ) {
    this.consumer = new ManagedConsumer(kafka, readiness, {
      topic: KAFKA_TOPICS.danmakuAccepted,
      app: 'replay',
      purpose: 'store',
      fromBeginning: true,
      // One fetch's partitions in one ingest call (one pipelined round trip for all its
      // rooms); offsets are committed at most every 500 ms, always after their batch is stored.
      partitionsConsumedConcurrently: KAFKA_TOPICS.danmakuAccepted.partitions,
      coalescePartitions: true,
      commitIntervalMs: 500,
      // Replay is not on the live path: read a busy topic in few large fetches (≤ 250 ms late).
      minBytes: 64 * 1024,
      maxWaitTimeInMs: 250,
      // Offsets are committed only after this resolves: everything is in Redis by then.
      handleBatch: async (messages) => {
        await ingest.ingest(messages.map((m) => m.value.danmaku));
      },
    });
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}
