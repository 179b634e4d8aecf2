import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { moderatedRoomParamsSchema, type EndedSessionView, type LiveSession, type Principal } from '@danmaku/contracts';
import { CurrentPrincipal, ZodPipe } from '@danmaku/platform';
import { AuthenticatedGuard } from '../access/authenticated.guard';
import { SessionsService } from './sessions.service';

type RoomParams = z.infer<typeof moderatedRoomParamsSchema>;

@Controller('v1/rooms/:roomId/sessions')
@UseGuards(AuthenticatedGuard)
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  start(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
  ): Promise<LiveSession> {
    return this.sessions.start(principal, p.roomId);
  }

  @Post('current/end')
  @HttpCode(200)
  end(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
  ): Promise<EndedSessionView> {
    return this.sessions.end(principal, p.roomId);
  }
}
