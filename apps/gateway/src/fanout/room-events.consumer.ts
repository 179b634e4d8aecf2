import { Inject, Injectable } from '@nestjs/common';
import { KAFKA_TOPICS, liveRoom, roomIdOfLiveRoom, type RoomEvent } from '@danmaku/contracts';
import { ConsumerHost } from '@danmaku/kafka';
import { APP_IDENTITY, type AppIdentity } from '@danmaku/platform';
import { RoomStateRepository } from '../room/room-state.repository';
import { SocketServerRef } from '../socket/socket-server.ref';
import { userRoom } from '../socket/socket-data';
import { instancePurpose } from './instance-group';

/**
 * Pushes moderators' actions to viewers: settings (also into the send path's settings
 * cache), retractions, bans and mutes. Every
 * instance reads every room event (its own group, committed, so a broker restart resumes
 * where it was) and acts on its own sockets: a ban reaches every gateway from Kafka itself,
 * never through Redis pub/sub. `/readyz` checks `kafka:gateway.room-events`.
 */
@Injectable()
export class RoomEventsConsumer {
  constructor(
    host: ConsumerHost,
    private readonly server: SocketServerRef,
    private readonly rooms: RoomStateRepository,
    @Inject(APP_IDENTITY) identity: AppIdentity,
  ) {
    host.add({
      topic: KAFKA_TOPICS.roomEvents,
      app: 'gateway',
      purpose: instancePurpose('room-events', identity.instanceId),
      name: 'room-events',
      fromBeginning: false,
      handleBatch: async (messages) => messages.forEach((m) => this.apply(m.value)),
    });
  }

  private leaveAllLiveRooms(userId: string): void {
    for (const id of this.server.io.of('/').adapter.rooms.get(userRoom(userId)) ?? []) {
      const socket = this.server.io.sockets.sockets.get(id);
      if (!socket) continue;
      for (const room of [...socket.rooms]) if (roomIdOfLiveRoom(room) !== null) void socket.leave(room);
    }
  }

  private apply(event: RoomEvent): void {
    const io = this.server.io.local;
    const room = liveRoom(event.roomId);
    switch (event.type) {
      case 'settings.updated':
        // The send path's early checks use the new settings at once (ADR 0003).
        this.rooms.remember(event.roomId, event.settings);
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
        this.leaveAllLiveRooms(event.userId);
        return;
      case 'session.started':
      case 'session.ended':
      case 'user.unbanned':
      case 'user.unmuted':
        return;
    }
  }
}
