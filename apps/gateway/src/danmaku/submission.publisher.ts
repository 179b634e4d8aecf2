import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { KAFKA_TOPICS, type DanmakuSubmitted } from '@danmaku/contracts';
import { BatchingPublisher, KafkaClient, TypedProducer } from '@danmaku/kafka';
import { MetricsService, ReadinessService } from '@danmaku/platform';

/** Queues submissions on `danmaku.submitted` (keyed by room) for moderation. */
@Injectable()
export class SubmissionPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly producer: TypedProducer;
  private readonly batches: BatchingPublisher<typeof KAFKA_TOPICS.danmakuSubmitted.schema>;

  constructor(
    private readonly kafka: KafkaClient,
    readiness: ReadinessService,
    metrics: MetricsService,
  ) {
    this.producer = new TypedProducer(kafka);
    const sizes = metrics.histogram(
      'gateway_produce_batch_size',
      'Submissions per Kafka request',
      [1, 2, 5, 10, 20, 50, 100, 200, 500],
    );
    // Many sockets send at once: their submissions share Kafka requests instead of queueing
    // one request each behind the single in-flight request that keeps order.
    this.batches = new BatchingPublisher(this.producer, KAFKA_TOPICS.danmakuSubmitted, 500, (n) =>
      sizes.observe(n),
    );
    readiness.register('kafka-producer', () => this.producer.isConnected);
  }

  async onModuleInit(): Promise<void> {
    await this.kafka.ensureTopics(Object.values(KAFKA_TOPICS));
    await this.producer.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  get available(): boolean {
    return this.producer.isConnected;
  }

  /** Resolves once the submission is durably in Kafka. */
  async publish(submission: DanmakuSubmitted): Promise<void> {
    await this.batches.publish(submission);
  }
}
