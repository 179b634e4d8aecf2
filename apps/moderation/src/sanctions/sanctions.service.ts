import { Injectable } from '@nestjs/common';
import {
  SITE_AUDIT_ROOM,
  type BanBody,
  type MuteBody,
  type Principal,
  type SanctionView,
} from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { RoomEventsRepository } from '../messaging/room-events.repository';
import { SanctionsRepository, type SanctionKind } from './sanctions.repository';

/**
 * Bans (room or site-wide, timed or permanent) and mutes (room, timed). The decision
 * pipeline refuses a sanctioned sender's messages (BANNED, MUTED); every change is also
 * published as a room event (`user.banned`, `user.site-banned` on the reserved room `_site`,
 * `user.muted`, `user.unbanned`, `user.unmuted`) so gateways act at once, and mirrored in
 * the shared keys gateways read (see SanctionsRepository).
 */
@Injectable()
export class SanctionsService {
  constructor(
    private readonly repo: SanctionsRepository,
    private readonly audit: AuditService,
    private readonly events: RoomEventsRepository,
    private readonly clock: Clock,
  ) {}

  async ban(principal: Principal, roomId: string | null, body: BanBody): Promise<SanctionView> {
    const now = this.clock.now();
    const s = this.sanction(principal, roomId, body.userId, body.durationSec, body.reason, now);
    await this.repo.put('ban', s);
    // A failed publish answers 503 with the ban in force; retrying replaces it and publishes again.
    if (roomId !== null) {
      await this.events.publish({
        type: 'user.banned',
        roomId,
        userId: s.userId,
        until: s.until,
        reason: s.reason,
        at: now,
      });
    } else {
      await this.events.publish({
        type: 'user.site-banned',
        roomId: SITE_AUDIT_ROOM,
        userId: s.userId,
        until: s.until,
        reason: s.reason,
        at: now,
      });
    }
    await this.audit.record(roomId, {
      actorId: principal.userId,
      action: 'ban.add',
      target: s.userId,
      reason: s.reason,
      details: { until: s.until },
    });
    return s;
  }

  async mute(principal: Principal, roomId: string, body: MuteBody): Promise<SanctionView> {
    const now = this.clock.now();
    const s = this.sanction(principal, roomId, body.userId, body.durationSec, body.reason, now);
    const until = s.until ?? now; // a mute always has a duration
    await this.repo.put('mute', s);
    await this.events.publish({
      type: 'user.muted',
      roomId,
      userId: s.userId,
      until,
      reason: s.reason,
      at: now,
    });
    await this.audit.record(roomId, {
      actorId: principal.userId,
      action: 'mute.add',
      target: s.userId,
      reason: s.reason,
      details: { until },
    });
    return s;
  }

  async lift(principal: Principal, kind: SanctionKind, roomId: string | null, userId: string): Promise<void> {
    const removed = await this.repo.remove(kind, roomId, userId);
    const now = this.clock.now();
    if (!removed || (removed.until !== null && removed.until <= now)) {
      throw new DomainException(
        'NOT_FOUND',
        kind === 'ban' ? 'That user is not banned' : 'That user is not muted',
      );
    }
    const scope = roomId ?? SITE_AUDIT_ROOM;
    try {
      await this.events.publish({
        type: kind === 'ban' ? 'user.unbanned' : 'user.unmuted',
        roomId: scope,
        userId,
        at: now,
      });
    } catch (err) {
      // Put it back, so a retry finds it to lift (and publishes then) rather than a 404.
      await this.repo.put(kind, removed);
      throw err;
    }
    await this.audit.record(roomId, { actorId: principal.userId, action: `${kind}.remove`, target: userId });
  }

  async list(kind: SanctionKind, roomId: string | null): Promise<{ items: SanctionView[] }> {
    return { items: await this.repo.listActive(kind, roomId, this.clock.now()) };
  }

  private sanction(
    principal: Principal,
    roomId: string | null,
    userId: string,
    durationSec: number | undefined,
    reason: string | undefined,
    now: number,
  ): SanctionView {
    return {
      userId,
      roomId,
      until: durationSec === undefined ? null : now + durationSec * 1000,
      reason: reason ? reason : null,
      createdAt: now,
      createdBy: principal.userId,
    };
  }
}
