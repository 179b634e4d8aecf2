import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { KafkaClient, TypedConsumer } from '@danmaku/kafka';
import { APP_IDENTITY, APP_LOGGER, ReadinessService, type AppIdentity } from '@danmaku/platform';
import type { Logger } from 'pino';
import { RoomFanoutService } from './room-fanout.service';

/**
 * Every gateway instance reads every partition of `danmaku.accepted.v1` and writes each
 * room's danmaku to its own sockets (goim's comets do the same; ADR 0008). No instance
 * depends on another for live delivery: one dying freezes nobody else's rooms, and the
 * Redis adapter stays out of the hot path (it still carries notices, settings and
 * retractions across instances).
 *
 * The group is this process's own and starts at the live edge: earlier danmaku are in the
 * recent buffer (written by moderation before it published them), which is where a
 * (re)joining viewer catches up from. Handling never waits for a merge window, so the next
 * fetch overlaps the current window, and offsets are not committed (nothing resumes from them).
 */
@Injectable()
export class AcceptedConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer: TypedConsumer<typeof KAFKA_TOPICS.danmakuAccepted.schema>;

  constructor(
    kafka: KafkaClient,
    private readonly fanout: RoomFanoutService,
    readiness: ReadinessService,
    @Inject(APP_IDENTITY) identity: AppIdentity,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.consumer = new TypedConsumer(kafka, {
      topic: KAFKA_TOPICS.danmakuAccepted,
      app: 'gateway',
      purpose: `fanout.${identity.instanceId}.${randomBytes(4).toString('hex')}`,
      fromBeginning: false,
      commitOffsets: false,
      partitionsConsumedConcurrently: KAFKA_TOPICS.danmakuAccepted.partitions,
      // Under load, at most one fetch per 5 ms: fewer, larger fetches per gateway.
      minCycleMs: 5,
      handleBatch: async (messages) => this.fanout.enqueue(messages.map((m) => m.value)),
      onSkip: (info) => this.logger.warn(info, 'accepted event skipped'),
    });
    readiness.register('kafka-fanout', () => this.consumer.isReady);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop().catch(() => undefined);
  }
}
