import { Controller, Get, Header, Param } from '@nestjs/common';
import type { z } from 'zod';
import { roomParamsSchema, type ReplaySessionSummary } from '@danmaku/contracts';
import { ZodPipe } from '@danmaku/platform';
import { SessionsService } from './sessions.service';

@Controller('v1/rooms/:roomId/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** A room without any session answers an empty list, not 404 (rooms are not registered here). */
  @Get()
  @Header('Cache-Control', 'no-cache')
  list(
    @Param(new ZodPipe(roomParamsSchema)) params: z.infer<typeof roomParamsSchema>,
  ): Promise<{ items: ReplaySessionSummary[] }> {
    return this.sessions.list(params.roomId);
  }
}
