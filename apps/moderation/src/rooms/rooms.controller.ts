import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Put, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import {
  moderatedRoomParamsSchema,
  roomSettingsPatchSchema,
  roomUserParamsSchema,
  type Principal,
  type RoomSettings,
  type RoomSettingsPatch,
  type RoomView,
} from '@danmaku/contracts';
import { CurrentPrincipal, ZodPipe } from '@danmaku/platform';
import { AuthenticatedGuard } from '../access/authenticated.guard';
import { RoomsService } from './rooms.service';

type RoomParams = z.infer<typeof moderatedRoomParamsSchema>;
type RoomUserParams = z.infer<typeof roomUserParamsSchema>;

@Controller('v1/rooms/:roomId')
@UseGuards(AuthenticatedGuard)
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Get()
  view(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
  ): Promise<RoomView> {
    return this.rooms.view(principal, p.roomId);
  }

  @Patch('settings')
  updateSettings(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
    @Body(new ZodPipe(roomSettingsPatchSchema)) patch: RoomSettingsPatch,
  ): Promise<RoomSettings> {
    return this.rooms.updateSettings(principal, p.roomId, patch);
  }

  @Put('moderators/:userId')
  @HttpCode(204)
  addModerator(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomUserParamsSchema)) p: RoomUserParams,
  ): Promise<void> {
    return this.rooms.addModerator(principal, p.roomId, p.userId);
  }

  @Delete('moderators/:userId')
  @HttpCode(204)
  removeModerator(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomUserParamsSchema)) p: RoomUserParams,
  ): Promise<void> {
    return this.rooms.removeModerator(principal, p.roomId, p.userId);
  }
}
