import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { SITE_AUDIT_ROOM, type Principal } from '@danmaku/contracts';
import { accessDecorator, AdminGuard, DomainException } from '@danmaku/platform';
import { AccessService } from './access.service';
import { AuthenticatedGuard } from './authenticated.guard';

/**
 * After AuthenticatedGuard: admins, and users who moderate the route's `:roomId`. The
 * reserved room `_site` (the site-wide audit log) has no moderators: admins only.
 */
@Injectable()
export class RoomModeratorGuard implements CanActivate {
  constructor(private readonly access: AccessService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const principal = req.principal;
    if (!principal) throw new DomainException('UNAUTHORIZED', 'Not authenticated');
    const roomId = req.params['roomId'];
    // A moderator route without a room is a programming error: refuse rather than guess.
    if (typeof roomId !== 'string') throw new DomainException('FORBIDDEN', 'No room to moderate');
    if (roomId === SITE_AUDIT_ROOM) this.access.requireAdmin(principal);
    else await this.access.requireRoomModerator(principal, roomId);
    return true;
  }
}

/**
 * Who may call a moderation route, enforced: every route is `moderator` (admins, and
 * moderators of its room) or `admin`; both require an unrevoked token. Guards run before
 * pipes, so a caller without the right learns 401/403 before any 400 about the input.
 */
export const Access = accessDecorator<'moderator' | 'admin'>({
  moderator: [AuthenticatedGuard, RoomModeratorGuard],
  admin: [AuthenticatedGuard, AdminGuard],
});
