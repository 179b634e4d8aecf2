import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
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
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import { SanctionsService } from './sanctions.service';

type RoomParams = z.infer<typeof moderatedRoomParamsSchema>;
type RoomUserParams = z.infer<typeof roomUserParamsSchema>;
type List = { items: SanctionView[] };

@ApiTags('bans and mutes')
@ApiBearerAuth()
@Controller('v1/rooms/:roomId')
export class RoomSanctionsController {
  constructor(private readonly sanctions: SanctionsService) {}

  @Post('bans')
  @ApiRoute({
    summary: 'Ban a user from the room',
    description:
      'No `durationSec`: permanent. Replaces an earlier ban. The user leaves the room at once and cannot join or send (`user.banned`).',
    access: 'moderator',
    params: ['roomId'],
    body: { schema: 'BanBody', required: true },
    ok: { status: 201, description: 'The ban', schema: 'Sanction' },
  })
  ban(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
    @Body(new ZodPipe(banBodySchema)) body: BanBody,
  ): Promise<SanctionView> {
    return this.sanctions.ban(principal, p.roomId, body);
  }

  @Get('bans')
  @ApiRoute({
    summary: 'Bans in force in the room',
    access: 'moderator',
    params: ['roomId'],
    ok: { status: 200, description: 'The bans', schema: 'SanctionList' },
  })
  bans(@Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams): Promise<List> {
    return this.sanctions.list('ban', p.roomId);
  }

  @Delete('bans/:userId')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Lift a room ban',
    description: 'Publishes `user.unbanned`.',
    access: 'moderator',
    params: ['roomId', 'userId'],
    ok: { status: 204, description: 'Lifted' },
    errors: [{ status: 404, description: 'the user is not banned here' }],
  })
  unban(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomUserParamsSchema)) p: RoomUserParams,
  ): Promise<void> {
    return this.sanctions.lift(principal, 'ban', p.roomId, p.userId);
  }

  @Post('mutes')
  @ApiRoute({
    summary: 'Mute a user in the room',
    description:
      'Muted users watch but cannot send; they are told at once (`user.muted`, notice MUTED with `until`). Replaces an earlier mute.',
    access: 'moderator',
    params: ['roomId'],
    body: { schema: 'MuteBody', required: true },
    ok: { status: 201, description: 'The mute', schema: 'Sanction' },
  })
  mute(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
    @Body(new ZodPipe(muteBodySchema)) body: MuteBody,
  ): Promise<SanctionView> {
    return this.sanctions.mute(principal, p.roomId, body);
  }

  @Get('mutes')
  @ApiRoute({
    summary: 'Mutes in force in the room',
    access: 'moderator',
    params: ['roomId'],
    ok: { status: 200, description: 'The mutes', schema: 'SanctionList' },
  })
  mutes(@Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams): Promise<List> {
    return this.sanctions.list('mute', p.roomId);
  }

  @Delete('mutes/:userId')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Lift a mute',
    description: 'Publishes `user.unmuted`.',
    access: 'moderator',
    params: ['roomId', 'userId'],
    ok: { status: 204, description: 'Lifted' },
    errors: [{ status: 404, description: 'the user is not muted here' }],
  })
  unmute(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomUserParamsSchema)) p: RoomUserParams,
  ): Promise<void> {
    return this.sanctions.lift(principal, 'mute', p.roomId, p.userId);
  }
}

@ApiTags('bans and mutes')
@ApiBearerAuth()
@Controller('v1/bans')
export class SiteBansController {
  constructor(private readonly sanctions: SanctionsService) {}

  @Post()
  @ApiRoute({
    summary: 'Ban a user from the whole site',
    description:
      'No `durationSec`: permanent. The user leaves every room and cannot join or send anywhere (`user.site-banned`).',
    access: 'admin',
    body: { schema: 'BanBody', required: true },
    ok: { status: 201, description: 'The ban (`roomId` null)', schema: 'Sanction' },
  })
  ban(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(banBodySchema)) body: BanBody,
  ): Promise<SanctionView> {
    return this.sanctions.ban(principal, null, body);
  }

  @Get()
  @ApiRoute({
    summary: 'Site-wide bans in force',
    access: 'admin',
    ok: { status: 200, description: 'The bans', schema: 'SanctionList' },
  })
  list(): Promise<List> {
    return this.sanctions.list('ban', null);
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Lift a site-wide ban',
    description: 'Publishes `user.unbanned` on the reserved room `_site`.',
    access: 'admin',
    params: ['userId'],
    ok: { status: 204, description: 'Lifted' },
    errors: [{ status: 404, description: 'the user is not banned site-wide' }],
  })
  unban(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(userParamsSchema)) p: z.infer<typeof userParamsSchema>,
  ): Promise<void> {
    return this.sanctions.lift(principal, 'ban', null, p.userId);
  }
}
