import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EndedSessionView, LiveSession, Principal } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { RoomEventsRepository } from '../messaging/room-events.repository';
import { RoomStateRepository } from '../rooms/room-state.repository';

/**
 * Live sessions. The Redis change and its room event go together: when the event cannot
 * be published the change is undone and the caller gets 503, so replay never misses a
 * session that moderation considers live (and a retry is clean).
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly rooms: RoomStateRepository,
    private readonly audit: AuditService,
    private readonly events: RoomEventsRepository,
    private readonly clock: Clock,
  ) {}

  async start(principal: Principal, roomId: string): Promise<LiveSession> {
    const session: LiveSession = { sessionId: randomUUID(), startedAt: this.clock.now() };
    const { started, live } = await this.rooms.startSession(roomId, session);
    if (!started)
      throw new DomainException('SESSION_ALREADY_LIVE', 'A session is already live in this room', { live });
    try {
      await this.events.publish({ type: 'session.started', roomId, session, at: session.startedAt });
    } catch (e) {
      await this.rooms.releaseSession(roomId, session);
      throw e;
    }
    await this.audit.record(roomId, {
      actorId: principal.userId,
      action: 'session.start',
      target: session.sessionId,
      details: { startedAt: session.startedAt },
    });
    return session;
  }

  async end(principal: Principal, roomId: string): Promise<EndedSessionView> {
    const result = await this.rooms.endSession(roomId, this.clock.now());
    if (!result) throw new DomainException('NO_LIVE_SESSION', 'No session is live in this room');
    const { ended, undo } = result;
    try {
      await this.events.publish({ type: 'session.ended', roomId, session: ended, at: ended.endedAt });
    } catch (e) {
      await undo();
      throw e;
    }
    await this.audit.record(roomId, {
      actorId: principal.userId,
      action: 'session.end',
      target: ended.sessionId,
      details: { startedAt: ended.startedAt, endedAt: ended.endedAt },
    });
    return { sessionId: ended.sessionId, startedAt: ended.startedAt, endedAt: ended.endedAt };
  }
}
