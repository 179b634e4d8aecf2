import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { KafkaClient } from '@danmaku/kafka';
import { ReadinessService } from '@danmaku/platform';
import { ManagedConsumer } from '../consumers/managed-consumer';
import { ReplayMetrics } from '../metrics/replay.metrics';
import { RoomEventsService } from './room-events.service';

/**
 * `room.events.v1` → sessions and retractions (group `replay.room-events`), from the
 * beginning so sessions and tombstones older than this store are known too.
 */
@Injectable()
export class RoomEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: ManagedConsumer<typeof KAFKA_TOPICS.roomEvents.schema>;

  constructor(
    kafka: KafkaClient,
    readiness: ReadinessService,
    metrics: ReplayMetrics,
    events: RoomEventsService,
  ) {
    this.consumer = new ManagedConsumer(kafka, readiness, {
      topic: KAFKA_TOPICS.roomEvents,
      app: 'replay',
      purpose: 'room-events',
      fromBeginning: true,
      handleBatch: async (messages) => {
        await events.apply(messages.map((m) => m.value));
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
