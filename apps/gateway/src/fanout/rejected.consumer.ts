import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { KAFKA_TOPICS, type DanmakuRejected } from '@danmaku/contracts';
import { KafkaClient, TypedConsumer, type ConsumedMessage } from '@danmaku/kafka';
import { APP_LOGGER, MetricsService, ReadinessService } from '@danmaku/platform';
import { SocketServerRef } from '../socket/socket-server.ref';

/** Tells a sender, and only that socket, why its danmaku was refused. */
@Injectable()
export class RejectedConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer: TypedConsumer<typeof KAFKA_TOPICS.danmakuRejected.schema>;
  private readonly rejected;

  constructor(
    kafka: KafkaClient,
    private readonly server: SocketServerRef,
    readiness: ReadinessService,
    metrics: MetricsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.rejected = metrics.counter(
      'gateway_rejections_delivered_total',
      'danmaku:rejected sent to senders',
      ['code'],
    );
    this.consumer = new TypedConsumer(kafka, {
      topic: KAFKA_TOPICS.danmakuRejected,
      app: 'gateway',
      purpose: 'rejections',
      fromBeginning: false,
      handleBatch: async (messages) => this.notify(messages),
      onSkip: (info) => this.logger.warn(info, 'rejected event skipped'),
    });
    readiness.register('kafka-rejections', () => this.consumer.isReady);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop().catch(() => undefined);
  }

  private notify(messages: ConsumedMessage<DanmakuRejected>[]): void {
    for (const { value } of messages) {
      // A socket id is also a Socket.IO room, so the adapter finds it on any instance.
      this.server.io.to(value.origin.socketId).emit('danmaku:rejected', {
        roomId: value.roomId,
        id: value.id,
        ...(value.nonce ? { nonce: value.nonce } : {}),
        code: value.code,
        reason: value.reason,
      });
      this.rejected.inc({ code: value.code });
    }
  }
}
