import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KAFKA_TOPICS, type Danmaku, type DanmakuAccepted } from '@danmaku/contracts';
import { KafkaClient, TypedConsumer, type ConsumedMessage } from '@danmaku/kafka';
import { APP_LOGGER, MetricsService, ReadinessService } from '@danmaku/platform';
import type { Logger } from 'pino';
import { RecentBufferRepository } from './recent-buffer.repository';
import { RoomFanoutService } from './room-fanout.service';

/**
 * Broadcasts accepted danmaku. Gateways share one consumer group, so each partition (a
 * set of rooms) is broadcast by one instance; the Redis adapter carries the batch to the
 * room's viewers on every instance. The recent buffer drops redelivered copies; the room
 * fan-out merges what is left and resolves once it went out, and only then is the Kafka
 * offset committed.
 */
@Injectable()
export class AcceptedConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer: TypedConsumer<typeof KAFKA_TOPICS.danmakuAccepted.schema>;
  private readonly duplicates;
  private readonly lag;

  constructor(
    kafka: KafkaClient,
    private readonly recent: RecentBufferRepository,
    private readonly fanout: RoomFanoutService,
    readiness: ReadinessService,
    metrics: MetricsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.duplicates = metrics.counter('gateway_broadcast_duplicates_total', 'Accepted events dropped as already broadcast');
    this.lag = metrics.gauge('gateway_kafka_lag', 'Accepted-topic consumer lag', ['partition']);
    this.consumer = new TypedConsumer(kafka, {
      topic: KAFKA_TOPICS.danmakuAccepted,
      app: 'gateway',
      purpose: 'fanout',
      // A new group starts at the live edge: old danmaku are for replay, not live viewers.
      fromBeginning: false,
      // Each partition (a set of rooms) in order, partitions side by side, so one room's
      // merge window never holds up another's.
      partitionsConsumedConcurrently: KAFKA_TOPICS.danmakuAccepted.partitions,
      handleBatch: (messages) => this.broadcast(messages),
      onLag: (partition, lag) => this.lag.set({ partition: String(partition) }, lag),
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

  private async broadcast(messages: ConsumedMessage<DanmakuAccepted>[]): Promise<void> {
    const byRoom = new Map<string, Danmaku[]>();
    for (const { value } of messages) {
      const list = byRoom.get(value.danmaku.roomId) ?? [];
      list.push(value.danmaku);
      byRoom.set(value.danmaku.roomId, list);
    }
    await Promise.all(
      [...byRoom].map(async ([roomId, items]) => {
        const fresh = await this.recent.appendFresh(roomId, items);
        this.duplicates.inc(items.length - fresh.length);
        await this.fanout.enqueue(roomId, fresh);
      }),
    );
  }
}
