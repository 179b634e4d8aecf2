import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { KAFKA_TOPICS, liveRoom, roomIdOfLiveRoom, type RoomEvent } from '@danmaku/contracts';
import { KafkaClient, TypedConsumer } from '@danmaku/kafka';
import { APP_LOGGER, ReadinessService } from '@danmaku/platform';
import { SocketServerRef } from '../socket/socket-server.ref';
import { userRoom } from '../socket/socket-data';

/** Pushes moderators' actions to viewers: settings, retractions, bans and mutes. */
@Injectable()
export class RoomEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer: TypedConsumer<typeof KAFKA_TOPICS.roomEvents.schema>;

  constructor(
    kafka: KafkaClient,
    private readonly server: SocketServerRef,
    readiness: ReadinessService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.consumer = new TypedConsumer(kafka, {
      topic: KAFKA_TOPICS.roomEvents,
      app: 'gateway',
      purpose: 'room-events',
      fromBeginning: false,
      handleBatch: async (messages) => messages.forEach((m) => this.apply(m.value)),
      onSkip: (info) => this.logger.warn(info, 'room event skipped'),
    });
    readiness.register('kafka-room-events', () => this.consumer.isReady);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop().catch(() => undefined);
  }

  /** A site ban is rare: finding the user's sockets across instances is affordable then. */
  private async leaveAllLiveRooms(userId: string): Promise<void> {
    try {
      const sockets = await this.server.io.in(userRoom(userId)).fetchSockets();
      for (const s of sockets) for (const room of s.rooms) if (roomIdOfLiveRoom(room) !== null) s.leave(room);
    } catch (err) {
      this.logger.warn({ err: String(err), userId }, 'could not remove a site-banned user from rooms');
    }
  }

  private apply(event: RoomEvent): void {
    const io = this.server.io;
    const room = liveRoom(event.roomId);
    switch (event.type) {
      case 'settings.updated':
        io.to(room).emit('room:settings', { roomId: event.roomId, settings: event.settings });
        return;
      case 'danmaku.retracted':
        io.to(room).emit('danmaku:retract', { roomId: event.roomId, ids: event.ids });
        return;
      case 'user.banned':
        io.to(userRoom(event.userId)).emit('notice', {
          code: 'BANNED',
          roomId: event.roomId,
          message: event.reason ?? 'You are banned from this room',
          ...(event.until ? { until: event.until } : {}),
        });
        io.in(userRoom(event.userId)).socketsLeave(room);
        return;
      case 'user.muted':
        io.to(userRoom(event.userId)).emit('notice', {
          code: 'MUTED',
          roomId: event.roomId,
          message: event.reason ?? 'You are muted in this room',
          until: event.until,
        });
        return;
      case 'user.site-banned':
        io.to(userRoom(event.userId)).emit('notice', {
          code: 'BANNED',
          message: event.reason ?? 'You are banned from this site',
          ...(event.until ? { until: event.until } : {}),
        });
        void this.leaveAllLiveRooms(event.userId);
        return;
      case 'session.started':
      case 'session.ended':
      case 'user.unbanned':
      case 'user.unmuted':
        return;
    }
  }
}
