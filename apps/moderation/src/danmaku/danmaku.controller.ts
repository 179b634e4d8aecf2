import { Body, Controller, Delete, HttpCode, Param } from '@nestjs/common';
import type { z } from 'zod';
import { retractBodySchema, roomDanmakuParamsSchema, type Principal } from '@danmaku/contracts';
import { CurrentPrincipal, ZodPipe } from '@danmaku/platform';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import { DanmakuService } from './danmaku.service';

@ApiTags('danmaku')
@ApiBearerAuth()
@Controller('v1/rooms/:roomId/danmaku')
export class DanmakuController {
  constructor(private readonly danmaku: DanmakuService) {}

  @Delete(':id')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Retract a danmaku everywhere',
    description:
      'Publishes `danmaku.retracted`: gateways push `danmaku:retract` to live viewers and replay drops it. An unknown id is a no-op downstream.',
    access: 'moderator',
    params: ['roomId', 'id'],
    body: { schema: 'RetractBody', required: false },
    ok: { status: 202, description: 'The retraction is on its way' },
  })
  retract(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomDanmakuParamsSchema)) p: z.infer<typeof roomDanmakuParamsSchema>,
    @Body(new ZodPipe(retractBodySchema)) body: z.infer<typeof retractBodySchema>,
  ): Promise<void> {
    return this.danmaku.retract(principal, p.roomId, p.id, body.reason);
  }
}
