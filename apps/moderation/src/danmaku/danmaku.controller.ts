import { Body, Controller, Delete, HttpCode, Param, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { retractBodySchema, roomDanmakuParamsSchema, type Principal } from '@danmaku/contracts';
import { CurrentPrincipal, ZodPipe } from '@danmaku/platform';
import { AuthenticatedGuard } from '../access/authenticated.guard';
import { DanmakuService } from './danmaku.service';

@Controller('v1/rooms/:roomId/danmaku')
@UseGuards(AuthenticatedGuard)
export class DanmakuController {
  constructor(private readonly danmaku: DanmakuService) {}

  @Delete(':id')
  @HttpCode(202)
  retract(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomDanmakuParamsSchema)) p: z.infer<typeof roomDanmakuParamsSchema>,
    @Body(new ZodPipe(retractBodySchema)) body: z.infer<typeof retractBodySchema>,
  ): Promise<void> {
    return this.danmaku.retract(principal, p.roomId, p.id, body.reason);
  }
}
