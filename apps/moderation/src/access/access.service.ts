import { Injectable } from '@nestjs/common';
import type { Principal } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { ModeratorsRepository } from './moderators.repository';

/** Who may act where: admins anywhere, a room's moderators in that room. */
@Injectable()
export class AccessService {
  constructor(private readonly moderators: ModeratorsRepository) {}

  requireAdmin(principal: Principal): void {
    if (principal.role !== 'admin') throw new DomainException('FORBIDDEN', 'Only an admin may do this');
  }

  async requireRoomModerator(principal: Principal, roomId: string): Promise<void> {
    if (principal.role === 'admin') return;
    // Guests never moderate, even if someone listed their id.
    if (principal.role === 'user' && (await this.moderators.isModerator(roomId, principal.userId))) return;
    throw new DomainException('FORBIDDEN', 'Only an admin or a moderator of this room may do this');
  }
}
