import { Body, Controller, Param, Put, UseGuards } from '@nestjs/common';
import { setRoleBodySchema, userIdSchema } from '@danmaku/contracts';
import { BearerAuthGuard, ZodPipe } from '@danmaku/platform';
import type { z } from 'zod';
import { AdminGuard } from '../tokens/admin.guard';
import type { UserAccount } from '@danmaku/contracts';
import { UsersService } from './users.service';

@Controller('v1/users')
@UseGuards(BearerAuthGuard, AdminGuard)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Put(':userId/role')
  setRole(
    @Param('userId', new ZodPipe(userIdSchema)) userId: string,
    @Body(new ZodPipe(setRoleBodySchema)) body: z.infer<typeof setRoleBodySchema>,
  ): Promise<UserAccount> {
    return this.users.setRole(userId, body.role);
  }
}
