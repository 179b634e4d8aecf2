import { Injectable } from '@nestjs/common';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { ConsumerHost } from '@danmaku/kafka';
import { RoomEventsService } from './room-events.service';

/**
 * `room.events.v1` → sessions and retractions (group `replay.room-events`), from the
 * beginning so sessions and tombstones older than this store are known too. Started and
 * stopped by the app's ConsumerHost; `/readyz` checks `kafka:replay.room-events`.
 */
@Injectable()
export class RoomEventsConsumer {
  constructor(host: ConsumerHost, events: RoomEventsService) {
    host.add({
      topic: KAFKA_TOPICS.roomEvents,
      app: 'replay',
      purpose: 'room-events',
      fromBeginning: true,
      handleBatch: async (messages) => {
        await events.apply(messages.map((m) => m.value));
      },
    });
  }
}
