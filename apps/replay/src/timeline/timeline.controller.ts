import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import {
  roomDanmakuQuerySchema,
  roomParamsSchema,
  replaySessionParamsSchema,
  sessionDanmakuQuerySchema,
  type Danmaku,
  type Page,
} from '@danmaku/contracts';
import { ZodPipe } from '@danmaku/platform';
import { REPLAY_CONFIG, type ReplayConfig } from '../config/replay.config';
import { cacheControl } from './cache-policy';
import { TimelineService, type RoomDanmakuQuery, type SessionDanmakuQuery } from './timeline.service';

@Controller('v1/rooms/:roomId')
export class TimelineController {
  constructor(
    private readonly timeline: TimelineService,
    @Inject(REPLAY_CONFIG) private readonly config: ReplayConfig,
  ) {}

  @Get('sessions/:sessionId/danmaku')
  async sessionDanmaku(
    @Param(new ZodPipe(replaySessionParamsSchema)) params: z.infer<typeof replaySessionParamsSchema>,
    @Query(new ZodPipe(sessionDanmakuQuerySchema)) query: SessionDanmakuQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Page<Danmaku>> {
    const { page, ended } = await this.timeline.sessionPage(params.roomId, params.sessionId, query);
    res.setHeader('Cache-Control', cacheControl(ended, this.config.REPLAY_ENDED_SESSION_MAX_AGE_SEC));
    return page;
  }

  @Get('danmaku')
  async roomDanmaku(
    @Param(new ZodPipe(roomParamsSchema)) params: z.infer<typeof roomParamsSchema>,
    @Query(new ZodPipe(roomDanmakuQuerySchema)) query: RoomDanmakuQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Page<Danmaku>> {
    const { page } = await this.timeline.roomPage(params.roomId, query);
    res.setHeader('Cache-Control', cacheControl(false, 0));
    return page;
  }
}
