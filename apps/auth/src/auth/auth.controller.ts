import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
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
import { Access, CurrentPrincipal, ZodPipe } from '@danmaku/platform';
import type { z } from 'zod';
import { ApiTags } from '@nestjs/swagger';
import { ClientIp } from '../common/client-ip';
import { ApiRoute, RATE_LIMITED } from '../openapi/api-route.decorator';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Access('public')
  @HttpCode(201)
  @ApiRoute({
    summary: 'Create an account',
    description:
      'Username `^[A-Za-z0-9_]{3,32}$`, unique case-insensitively; password 8..128; nickname 1..32 after trimming (default the username). New accounts have role `user`.',
    access: 'public',
    body: { schema: 'RegisterBody', required: true },
    ok: { status: 201, description: 'The account', schema: 'RegisteredUser' },
    errors: [
      { status: 409, description: 'USERNAME_TAKEN: the name exists in any letter case' },
      { status: 429, description: `${RATE_LIMITED} registrations from this client address` },
    ],
  })
  register(
    @Body(new ZodPipe(registerBodySchema)) body: z.infer<typeof registerBodySchema>,
    @ClientIp() clientIp: string,
  ): Promise<RegisteredUser> {
    return this.auth.register(body, clientIp);
  }

  @Post('login')
  @Access('public')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Log in: an access token and a refresh token',
    access: 'public',
    body: { schema: 'LoginBody', required: true },
    ok: {
      status: 200,
      description: 'A new session’s tokens; `expiresIn` is the access token’s lifetime (s)',
      schema: 'TokenPair',
    },
    errors: [
      {
        status: 401,
        description: 'INVALID_CREDENTIALS: unknown username or wrong password (same answer for both)',
      },
      { status: 429, description: `${RATE_LIMITED} failed logins for this username or from this address` },
    ],
  })
  login(
    @Body(new ZodPipe(loginBodySchema)) body: z.infer<typeof loginBodySchema>,
    @ClientIp() clientIp: string,
  ): Promise<TokenPair> {
    return this.auth.login(body.username, body.password, clientIp);
  }

  @Post('guest')
  @Access('public')
  @HttpCode(200)
  @ApiRoute({
    summary: 'A guest access token (no account, no refresh token)',
    description: 'The body is optional; without a nickname the guest gets a generated one.',
    access: 'public',
    body: { schema: 'GuestBody', required: false },
    ok: { status: 200, description: 'The guest’s access token', schema: 'GuestToken' },
    errors: [{ status: 429, description: `${RATE_LIMITED} guest tokens from this client address` }],
  })
  guest(
    @Body(new ZodPipe(guestBodySchema)) body: z.infer<typeof guestBodySchema>,
    @ClientIp() clientIp: string,
  ): Promise<GuestToken> {
    return this.auth.guest(body.nickname, clientIp);
  }

  @Post('refresh')
  @Access('public')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Trade a refresh token for a new token pair',
    description: 'Refresh tokens rotate: each works once. Presenting a spent one revokes its session.',
    access: 'public',
    body: { schema: 'RefreshBody', required: true },
    ok: { status: 200, description: 'The session’s next tokens', schema: 'TokenPair' },
    errors: [
      {
        status: 401,
        description: 'UNAUTHORIZED: unknown, expired or spent token, or the session was revoked',
      },
    ],
  })
  refresh(@Body(new ZodPipe(refreshBodySchema)) body: z.infer<typeof refreshBodySchema>): Promise<TokenPair> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Access('token')
  @ApiRoute({
    summary: 'Revoke this token’s session',
    description:
      'Its refresh token stops working, every app refuses its access tokens and gateways disconnect its sockets.',
    access: 'token',
    ok: { status: 204, description: 'Revoked' },
  })
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.auth.logout(principal);
  }

  @Get('me')
  @Access('token')
  @ApiRoute({
    summary: 'Who the token belongs to',
    description: 'For an account, its current nickname and role; for a guest `username` is null.',
    access: 'token',
    ok: { status: 200, description: 'The caller', schema: 'Me' },
  })
  me(@CurrentPrincipal() principal: Principal): Promise<MeResponse> {
    return this.auth.me(principal);
  }
}
