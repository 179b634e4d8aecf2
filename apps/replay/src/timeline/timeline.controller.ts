import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import {
  roomDanmakuQuerySchema,
  roomParamsSchema,
  replaySessionParamsSchema,
  sessionDanmakuQuerySchema,
} from '@danmaku/contracts';
import { Access, ZodPipe } from '@danmaku/platform';
import { REPLAY_CONFIG, type ReplayConfig } from '../config/replay.config';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import { sendJson, sendSessionAnswer } from './session-answer';
import { TimelineService, type RoomDanmakuQuery, type SessionDanmakuQuery } from './timeline.service';

@ApiTags('timeline')
// The replay API is public read (CONTRACT.md).
@Access('public')
@Controller('v1/rooms/:roomId')
export class TimelineController {
  constructor(
    private readonly timeline: TimelineService,
    @Inject(REPLAY_CONFIG) private readonly config: ReplayConfig,
  ) {}

  @Get('sessions/:sessionId/danmaku')
  @ApiRoute({
    summary: 'A session’s danmaku in video order, a page at a time',
    description:
      'By `offsetMs`, then `seq`. `fromMs` inclusive, `toMs` exclusive; `cursor` is the previous page’s `nextCursor` (null on the last page).',
    params: replaySessionParamsSchema,
    query: sessionDanmakuQuerySchema,
    ok: { description: 'A page', schema: 'DanmakuPage' },
    sessionCaching: true,
    notFound: 'the room has no such session',
  })
  async sessionDanmaku(
    @Param(new ZodPipe(replaySessionParamsSchema)) params: z.infer<typeof replaySessionParamsSchema>,
    @Query(new ZodPipe(sessionDanmakuQuerySchema)) query: SessionDanmakuQuery,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.timeline.sessionPage(params.roomId, params.sessionId, query, ifNoneMatch);
    sendSessionAnswer(res, answer, this.config.REPLAY_ENDED_SESSION_MAX_AGE_SEC);
  }

  /**
   * Revalidated every time: Express adds a weak content ETag to the JSON bytes, so an
   * unchanged history answers 304.
   */
  @Get('danmaku')
  @ApiRoute({
    summary: 'Every stored danmaku of the room by send time, a page at a time',
    description:
      'By `sentAt`, then `seq`, with or without a session. `from` inclusive, `to` exclusive (epoch ms).',
    params: roomParamsSchema,
    query: roomDanmakuQuerySchema,
    ok: { description: 'A page', schema: 'DanmakuPage' },
  })
  async roomDanmaku(
    @Param(new ZodPipe(roomParamsSchema)) params: z.infer<typeof roomParamsSchema>,
    @Query(new ZodPipe(roomDanmakuQuerySchema)) query: RoomDanmakuQuery,
    @Res() res: Response,
  ): Promise<void> {
    const page = await this.timeline.roomPage(params.roomId, query);
    sendJson(res, page, 'no-cache');
  }
}
