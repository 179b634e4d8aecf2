import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { KAFKA_TOPICS, type DanmakuSubmitted } from '@danmaku/contracts';
import { KafkaClient, TypedProducer } from '@danmaku/kafka';
import { ReadinessService } from '@danmaku/platform';

/** Queues submissions on `danmaku.submitted` (keyed by room) for moderation. */
@Injectable()
export class SubmissionPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly producer: TypedProducer;

  constructor(
    private readonly kafka: KafkaClient,
    readiness: ReadinessService,
  ) {
    this.producer = new TypedProducer(kafka);
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
    await this.producer.publish(KAFKA_TOPICS.danmakuSubmitted, submission);
  }
}
