import { Injectable } from '@nestjs/common';
import { KAFKA_TOPICS, type RoomEvent } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { KafkaConnection } from './kafka-connection.service';

/** Publishes room events (`room.events.v1`, keyed by room) that gateways and replay act on. */
@Injectable()
export class RoomEventsRepository {
  constructor(private readonly kafka: KafkaConnection) {}

  async publish(event: RoomEvent): Promise<void> {
    try {
      await this.kafka.producer.publish(KAFKA_TOPICS.roomEvents, event);
    } catch {
      throw new DomainException('UNAVAILABLE', 'The event bus is unavailable; try again');
    }
  }
}
