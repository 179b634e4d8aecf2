import { Injectable } from '@nestjs/common';
import type { Principal } from '@danmaku/contracts';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { RoomEventsRepository } from '../messaging/room-events.repository';

@Injectable()
export class DanmakuService {
  constructor(
    private readonly audit: AuditService,
    private readonly events: RoomEventsRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Retracts a published danmaku: gateways drop it from live viewers, replay from its
   * store. The id is not looked up (moderation forgets decisions after a week, replay
   * keeps them for ever), so an unknown id is a harmless no-op downstream.
   */
  async retract(principal: Principal, roomId: string, id: string, reason: string | undefined): Promise<void> {
    const at = this.clock.now();
    const why = reason ? reason : null;
    await this.events.publish({
      type: 'danmaku.retracted',
      roomId,
      ids: [id],
      actorId: principal.userId,
      reason: why,
      at,
    });
    await this.audit.record(roomId, {
      actorId: principal.userId,
      action: 'danmaku.retract',
      target: id,
      reason: why,
    });
  }
}
