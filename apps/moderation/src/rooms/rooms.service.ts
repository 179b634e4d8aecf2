import { Injectable } from '@nestjs/common';
import type { Principal, RoomSettings, RoomSettingsPatch, RoomView } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { ModeratorsRepository } from '../access/moderators.repository';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { RoomEventsRepository } from '../messaging/room-events.repository';
import { RoomStateRepository } from './room-state.repository';

@Injectable()
export class RoomsService {
  constructor(
    private readonly rooms: RoomStateRepository,
    private readonly moderators: ModeratorsRepository,
    private readonly audit: AuditService,
    private readonly events: RoomEventsRepository,
    private readonly clock: Clock,
  ) {}

  async view(roomId: string): Promise<RoomView> {
    const { settings, live, moderators } = await this.rooms.snapshot(roomId);
    return { roomId, settings, moderators, live };
  }

  /** Writes the settings, then tells gateways (`settings.updated`); retrying after a failure is safe. */
  async updateSettings(
    principal: Principal,
    roomId: string,
    patch: RoomSettingsPatch,
  ): Promise<RoomSettings> {
    const settings = await this.rooms.patchSettings(roomId, patch);
    await this.events.publish({ type: 'settings.updated', roomId, settings, at: this.clock.now() });
    await this.audit.record(roomId, {
      actorId: principal.userId,
      action: 'settings.update',
      target: roomId,
      details: { patch, settings },
    });
    return settings;
  }

  async addModerator(principal: Principal, roomId: string, userId: string): Promise<void> {
    if (await this.moderators.add(roomId, userId)) {
      await this.audit.record(roomId, { actorId: principal.userId, action: 'moderator.add', target: userId });
    }
  }

  async removeModerator(principal: Principal, roomId: string, userId: string): Promise<void> {
    if (!(await this.moderators.remove(roomId, userId))) {
      throw new DomainException('NOT_FOUND', 'That user is not a moderator of this room');
    }
    await this.audit.record(roomId, {
      actorId: principal.userId,
      action: 'moderator.remove',
      target: userId,
    });
  }
}
