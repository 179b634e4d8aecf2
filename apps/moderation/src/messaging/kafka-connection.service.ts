import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { KafkaClient, TypedProducer } from '@danmaku/kafka';
import { APP_LOGGER, ReadinessService } from '@danmaku/platform';

/** Topics moderation reads or writes; created at start if missing (idempotent). */
export const MODERATION_TOPICS = [
  KAFKA_TOPICS.danmakuSubmitted,
  KAFKA_TOPICS.danmakuAccepted,
  KAFKA_TOPICS.danmakuRejected,
  KAFKA_TOPICS.roomEvents,
];

/**
 * Owns the app's one Kafka producer. It connects in the background (retrying while
 * Kafka is away) so the HTTP server is up at once; `/readyz` says when Kafka is usable.
 */
@Injectable()
export class KafkaConnection implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly producer: TypedProducer;
  private stopping = false;
  private markConnected!: () => void;
  private readonly connected = new Promise<void>((resolve) => (this.markConnected = resolve));

  constructor(
    private readonly kafka: KafkaClient,
    readiness: ReadinessService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.producer = new TypedProducer(kafka);
    readiness.register('kafka-producer', () => this.producer.isConnected);
  }

  onApplicationBootstrap(): void {
    void this.connect();
  }

  /** Resolves once the topics exist and the producer is connected. */
  whenConnected(): Promise<void> {
    return this.connected;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.producer.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.kafka.ensureTopics(MODERATION_TOPICS);
        await this.producer.connect();
        this.markConnected();
        return;
      } catch (err) {
        const delay = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
        this.logger.warn({ err: String(err), attempt, delay }, 'kafka not usable yet, retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
