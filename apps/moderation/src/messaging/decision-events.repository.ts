import { Injectable } from '@nestjs/common';
import { KAFKA_TOPICS, type DanmakuAccepted, type DanmakuRejected } from '@danmaku/contracts';
import { KafkaConnection } from './kafka-connection.service';

/** Publishes decisions: accepted ones to every gateway and replay, rejected ones to the sender's gateway. */
@Injectable()
export class DecisionEventsRepository {
  constructor(private readonly kafka: KafkaConnection) {}

  /** One `publish` per topic keeps each room's order; resolves once both are durably written. */
  async publish(accepted: DanmakuAccepted[], rejected: DanmakuRejected[]): Promise<void> {
    await Promise.all([
      this.kafka.producer.publish(KAFKA_TOPICS.danmakuAccepted, ...accepted),
      this.kafka.producer.publish(KAFKA_TOPICS.danmakuRejected, ...rejected),
    ]);
  }
}
