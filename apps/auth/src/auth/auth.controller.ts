import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  guestBodySchema,
  loginBodySchema,
  refreshBodySchema,
  registerBodySchema,
  type GuestToken,
  type MeResponse,
  type Principal,
  type RegisteredUser,
  type TokenPair,
} from '@danmaku/contracts';
import { BearerAuthGuard, CurrentPrincipal, ZodPipe } from '@danmaku/platform';
import type { z } from 'zod';
import { ClientIp } from '../common/client-ip';
import { AuthService } from './auth.service';

@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @HttpCode(201)
  register(
    @Body(new ZodPipe(registerBodySchema)) body: z.infer<typeof registerBodySchema>,
    @ClientIp() clientIp: string,
  ): Promise<RegisteredUser> {
    return this.auth.register(body, clientIp);
  }

  @Post('login')
  @HttpCode(200)
  login(
    @Body(new ZodPipe(loginBodySchema)) body: z.infer<typeof loginBodySchema>,
    @ClientIp() clientIp: string,
  ): Promise<TokenPair> {
    return this.auth.login(body.username, body.password, clientIp);
  }

  @Post('guest')
  @HttpCode(200)
  guest(
    @Body(new ZodPipe(guestBodySchema)) body: z.infer<typeof guestBodySchema>,
    @ClientIp() clientIp: string,
  ): Promise<GuestToken> {
    return this.auth.guest(body.nickname, clientIp);
  }

  @Post('refresh')
  @HttpCode(200)
  refresh(@Body(new ZodPipe(refreshBodySchema)) body: z.infer<typeof refreshBodySchema>): Promise<TokenPair> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(BearerAuthGuard)
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.auth.logout(principal);
  }

  @Get('me')
  @UseGuards(BearerAuthGuard)
  me(@CurrentPrincipal() principal: Principal): Promise<MeResponse> {
    return this.auth.me(principal);
  }
}
