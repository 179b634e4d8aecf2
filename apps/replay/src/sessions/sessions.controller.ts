import { Controller, Get, Header, Param } from '@nestjs/common';
import type { z } from 'zod';
import { roomParamsSchema, type ReplaySessionSummary } from '@danmaku/contracts';
import { Access, ZodPipe } from '@danmaku/platform';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
// The replay API is public read (CONTRACT.md).
@Access('public')
@Controller('v1/rooms/:roomId/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  /** A room without any session answers an empty list, not 404 (rooms are not registered here). */
  @Get()
  @Header('Cache-Control', 'no-cache')
  @ApiRoute({
    summary: 'A room’s recorded sessions, newest first',
    description:
      'Each with the count of its stored, non-retracted danmaku; `endedAt` is null while live. A room without sessions answers an empty list.',
    params: roomParamsSchema,
    ok: { description: 'The sessions', schema: 'SessionList' },
  })
  list(
    @Param(new ZodPipe(roomParamsSchema)) params: z.infer<typeof roomParamsSchema>,
  ): Promise<{ items: ReplaySessionSummary[] }> {
    return this.sessions.list(params.roomId);
  }
}
