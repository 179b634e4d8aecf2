import { Body, Controller, Param, Put } from '@nestjs/common';
import { setRoleBodySchema, userIdSchema, userParamsSchema } from '@danmaku/contracts';
import { Access, ZodPipe } from '@danmaku/platform';
import type { z } from 'zod';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import type { UserAccount } from '@danmaku/contracts';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('v1/users')
@Access('admin')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Put(':userId/role')
  @ApiRoute({
    summary: 'Set an account’s role',
    description:
      'Taking `admin` away revokes every session of that account. Checks run in this order: token (401), admin role (403), body (400), account (404).',
    access: 'admin',
    params: userParamsSchema,
    body: { schema: 'SetRoleBody', required: true },
    ok: { status: 200, description: 'The account after the change', schema: 'UserAccount' },
    errors: [{ status: 404, description: 'NOT_FOUND: no such account' }],
  })
  setRole(
    @Param('userId', new ZodPipe(userIdSchema)) userId: string,
    @Body(new ZodPipe(setRoleBodySchema)) body: z.infer<typeof setRoleBodySchema>,
  ): Promise<UserAccount> {
    return this.users.setRole(userId, body.role);
  }
}
