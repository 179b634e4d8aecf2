import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import type { z } from 'zod';
import {
  moderatedRoomParamsSchema,
  type EndedSessionView,
  type LiveSession,
  type Principal,
} from '@danmaku/contracts';
import { CurrentPrincipal, ZodPipe } from '@danmaku/platform';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import { SessionsService } from './sessions.service';

type RoomParams = z.infer<typeof moderatedRoomParamsSchema>;

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/rooms/:roomId/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @ApiRoute({
    summary: 'Start a live session',
    description:
      'Danmaku sent while it is live carry its `sessionId` and `offsetMs`. Publishes `session.started`.',
    access: 'moderator',
    params: ['roomId'],
    ok: { status: 201, description: 'The session', schema: 'LiveSession' },
    errors: [{ status: 409, description: 'SESSION_ALREADY_LIVE (details.live)' }],
  })
  start(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
  ): Promise<LiveSession> {
    return this.sessions.start(principal, p.roomId);
  }

  @Post('current/end')
  @HttpCode(200)
  @ApiRoute({
    summary: 'End the live session',
    description: 'Publishes `session.ended`.',
    access: 'moderator',
    params: ['roomId'],
    ok: { status: 200, description: 'The ended session', schema: 'EndedSession' },
    errors: [{ status: 409, description: 'NO_LIVE_SESSION' }],
  })
  end(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
  ): Promise<EndedSessionView> {
    return this.sessions.end(principal, p.roomId);
  }
}
