import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import {
  banBodySchema,
  moderatedRoomParamsSchema,
  muteBodySchema,
  roomUserParamsSchema,
  userParamsSchema,
  type BanBody,
  type MuteBody,
  type Principal,
  type SanctionView,
} from '@danmaku/contracts';
import { CurrentPrincipal, ZodPipe } from '@danmaku/platform';
import { AuthenticatedGuard } from '../access/authenticated.guard';
import { SanctionsService } from './sanctions.service';

type RoomParams = z.infer<typeof moderatedRoomParamsSchema>;
type RoomUserParams = z.infer<typeof roomUserParamsSchema>;
type List = { items: SanctionView[] };

@Controller('v1/rooms/:roomId')
@UseGuards(AuthenticatedGuard)
export class RoomSanctionsController {
  constructor(private readonly sanctions: SanctionsService) {}

  @Post('bans')
  ban(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
    @Body(new ZodPipe(banBodySchema)) body: BanBody,
  ): Promise<SanctionView> {
    return this.sanctions.ban(principal, p.roomId, body);
  }

  @Get('bans')
  bans(@CurrentPrincipal() principal: Principal, @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams): Promise<List> {
    return this.sanctions.list(principal, 'ban', p.roomId);
  }

  @Delete('bans/:userId')
  @HttpCode(204)
  unban(@CurrentPrincipal() principal: Principal, @Param(new ZodPipe(roomUserParamsSchema)) p: RoomUserParams): Promise<void> {
    return this.sanctions.lift(principal, 'ban', p.roomId, p.userId);
  }

  @Post('mutes')
  mute(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
    @Body(new ZodPipe(muteBodySchema)) body: MuteBody,
  ): Promise<SanctionView> {
    return this.sanctions.mute(principal, p.roomId, body);
  }

  @Get('mutes')
  mutes(@CurrentPrincipal() principal: Principal, @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams): Promise<List> {
    return this.sanctions.list(principal, 'mute', p.roomId);
  }

  @Delete('mutes/:userId')
  @HttpCode(204)
  unmute(@CurrentPrincipal() principal: Principal, @Param(new ZodPipe(roomUserParamsSchema)) p: RoomUserParams): Promise<void> {
    return this.sanctions.lift(principal, 'mute', p.roomId, p.userId);
  }
}

@Controller('v1/bans')
@UseGuards(AuthenticatedGuard)
export class SiteBansController {
  constructor(private readonly sanctions: SanctionsService) {}

  @Post()
  ban(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(banBodySchema)) body: BanBody): Promise<SanctionView> {
    return this.sanctions.ban(principal, null, body);
  }

  @Get()
  list(@CurrentPrincipal() principal: Principal): Promise<List> {
    return this.sanctions.list(principal, 'ban', null);
  }

  @Delete(':userId')
  @HttpCode(204)
  unban(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(userParamsSchema)) p: z.infer<typeof userParamsSchema>,
  ): Promise<void> {
    return this.sanctions.lift(principal, 'ban', null, p.userId);
  }
}
