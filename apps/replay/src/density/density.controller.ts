import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import { replaySessionParamsSchema, sessionDensityQuerySchema } from '@danmaku/contracts';
import { Access, ZodPipe } from '@danmaku/platform';
import { REPLAY_CONFIG, type ReplayConfig } from '../config/replay.config';
import { sendSessionAnswer } from '../timeline/session-answer';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import { DensityService } from './density.service';

@ApiTags('timeline')
// The replay API is public read (CONTRACT.md).
@Access('public')
@Controller('v1/rooms/:roomId/sessions/:sessionId')
export class DensityController {
  constructor(
    private readonly densityService: DensityService,
    @Inject(REPLAY_CONFIG) private readonly config: ReplayConfig,
  ) {}

  @Get('density')
  @ApiRoute({
    summary: 'How many danmaku fall in each time bucket of a session',
    description:
      '`buckets[i]` counts messages with `i*bucketMs <= offsetMs < (i+1)*bucketMs`, up to the last stored offset. At most 10,000 buckets: a narrower width is 400 on `bucketMs`.',
    params: replaySessionParamsSchema,
    query: sessionDensityQuerySchema,
    ok: { description: 'The histogram', schema: 'SessionDensity' },
    sessionCaching: true,
    notFound: 'the room has no such session',
  })
  async density(
    @Param(new ZodPipe(replaySessionParamsSchema)) params: z.infer<typeof replaySessionParamsSchema>,
    @Query(new ZodPipe(sessionDensityQuerySchema)) query: z.infer<typeof sessionDensityQuerySchema>,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.densityService.density(
      params.roomId,
      params.sessionId,
      query.bucketMs,
      ifNoneMatch,
    );
    sendSessionAnswer(res, answer, this.config.REPLAY_ENDED_SESSION_MAX_AGE_SEC);
  }
}
