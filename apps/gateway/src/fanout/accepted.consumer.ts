import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KAFKA_TOPICS, liveRoom, type Danmaku, type DanmakuAccepted } from '@danmaku/contracts';
import { KafkaClient, TypedConsumer, type ConsumedMessage } from '@danmaku/kafka';
import { APP_LOGGER, MetricsService, ReadinessService } from '@danmaku/platform';
import type { Logger } from 'pino';
import { SocketServerRef } from '../socket/socket-server.ref';
import { RecentBufferRepository } from './recent-buffer.repository';

/**
 * Broadcasts accepted danmaku. Gateways share one consumer group, so each partition (a
 * set of rooms) is broadcast by one instance; the Redis adapter carries the batch to the
 * room's viewers on every instance. A Kafka batch becomes one `danmaku:batch` per room.
 */
@Injectable()
export class AcceptedConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer: TypedConsumer<typeof KAFKA_TOPICS.danmakuAccepted.schema>;
  private readonly batches;
  private readonly items;
  private readonly duplicates;
  private readonly latency;
  private readonly lag;

  constructor(
    kafka: KafkaClient,
    private readonly recent: RecentBufferRepository,
    private readonly server: SocketServerRef,
    readiness: ReadinessService,
    metrics: MetricsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.batches = metrics.histogram('gateway_batch_items', 'Danmaku per emitted danmaku:batch', [1, 2, 5, 10, 20, 50, 100, 200, 500]);
    this.items = metrics.counter('gateway_broadcast_danmaku_total', 'Danmaku broadcast to rooms');
    this.duplicates = metrics.counter('gateway_broadcast_duplicates_total', 'Accepted events dropped as already broadcast');
    this.latency = metrics.histogram(
      'gateway_broadcast_latency_seconds',
      'sentAt to broadcast, on the broadcasting instance',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    );
    this.lag = metrics.gauge('gateway_kafka_lag', 'Accepted-topic consumer lag', ['partition']);
    this.consumer = new TypedConsumer(kafka, {
      topic: KAFKA_TOPICS.danmakuAccepted,
      app: 'gateway',
      purpose: 'fanout',
      // A new group starts at the live edge: old danmaku are for replay, not live viewers.
      fromBeginning: false,
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
        if (fresh.length === 0) return;
        this.server.io.to(liveRoom(roomId)).emit('danmaku:batch', { roomId, items: fresh });
        const now = Date.now();
        this.batches.observe(fresh.length);
        this.items.inc(fresh.length);
        for (const d of fresh) this.latency.observe((now - d.sentAt) / 1000);
      }),
    );
  }
}
