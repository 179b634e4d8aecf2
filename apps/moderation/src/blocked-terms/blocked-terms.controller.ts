import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import {
  blockedTermBodySchema,
  moderatedRoomParamsSchema,
  roomTermParamsSchema,
  termParamsSchema,
  type BlockedTermView,
  type Principal,
} from '@danmaku/contracts';
import { CurrentPrincipal, ZodPipe } from '@danmaku/platform';
import { AuthenticatedGuard } from '../access/authenticated.guard';
import { BlockedTermsService } from './blocked-terms.service';

type TermBody = z.infer<typeof blockedTermBodySchema>;
type Created = { termId: string; term: string };
type List = { items: BlockedTermView[] };

@Controller('v1/rooms/:roomId/blocked-terms')
@UseGuards(AuthenticatedGuard)
export class RoomBlockedTermsController {
  constructor(private readonly terms: BlockedTermsService) {}

  @Post()
  add(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: z.infer<typeof moderatedRoomParamsSchema>,
    @Body(new ZodPipe(blockedTermBodySchema)) body: TermBody,
  ): Promise<Created> {
    return this.terms.add(principal, p.roomId, body.term);
  }

  @Get()
  list(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: z.infer<typeof moderatedRoomParamsSchema>,
  ): Promise<List> {
    return this.terms.list(principal, p.roomId);
  }

  @Delete(':termId')
  @HttpCode(204)
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomTermParamsSchema)) p: z.infer<typeof roomTermParamsSchema>,
  ): Promise<void> {
    return this.terms.remove(principal, p.roomId, p.termId);
  }
}

@Controller('v1/blocked-terms')
@UseGuards(AuthenticatedGuard)
export class SiteBlockedTermsController {
  constructor(private readonly terms: BlockedTermsService) {}

  @Post()
  add(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(blockedTermBodySchema)) body: TermBody): Promise<Created> {
    return this.terms.add(principal, null, body.term);
  }

  @Get()
  list(@CurrentPrincipal() principal: Principal): Promise<List> {
    return this.terms.list(principal, null);
  }

  @Delete(':termId')
  @HttpCode(204)
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(termParamsSchema)) p: z.infer<typeof termParamsSchema>,
  ): Promise<void> {
    return this.terms.remove(principal, null, p.termId);
  }
}
