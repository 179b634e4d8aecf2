import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Put } from '@nestjs/common';
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
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import { RoomsService } from './rooms.service';

type RoomParams = z.infer<typeof moderatedRoomParamsSchema>;
type RoomUserParams = z.infer<typeof roomUserParamsSchema>;

@ApiTags('rooms')
@ApiBearerAuth()
@Controller('v1/rooms/:roomId')
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Get()
  @ApiRoute({
    summary: 'A room: settings, moderators and live session',
    description:
      'A room that was never configured has the default settings; `live` is null when no session is live.',
    access: 'moderator',
    params: ['roomId'],
    ok: { status: 200, description: 'The room', schema: 'RoomView' },
  })
  view(@Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams): Promise<RoomView> {
    return this.rooms.view(p.roomId);
  }

  @Patch('settings')
  @ApiRoute({
    summary: 'Change room settings',
    description:
      'Any non-empty subset of the settings; unknown fields are refused. Publishes `settings.updated`; gateways push `room:settings`.',
    access: 'moderator',
    params: ['roomId'],
    body: { schema: 'RoomSettingsPatch', required: true },
    ok: { status: 200, description: 'The full settings after the change', schema: 'RoomSettings' },
  })
  updateSettings(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: RoomParams,
    @Body(new ZodPipe(roomSettingsPatchSchema)) patch: RoomSettingsPatch,
  ): Promise<RoomSettings> {
    return this.rooms.updateSettings(principal, p.roomId, patch);
  }

  @Put('moderators/:userId')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Make a user a moderator of the room',
    description: 'Idempotent.',
    access: 'admin',
    params: ['roomId', 'userId'],
    ok: { status: 204, description: 'The user moderates the room' },
  })
  addModerator(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomUserParamsSchema)) p: RoomUserParams,
  ): Promise<void> {
    return this.rooms.addModerator(principal, p.roomId, p.userId);
  }

  @Delete('moderators/:userId')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Remove a moderator of the room',
    access: 'admin',
    params: ['roomId', 'userId'],
    ok: { status: 204, description: 'Removed' },
    errors: [{ status: 404, description: 'not a moderator of the room' }],
  })
  removeModerator(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomUserParamsSchema)) p: RoomUserParams,
  ): Promise<void> {
    return this.rooms.removeModerator(principal, p.roomId, p.userId);
  }
}
