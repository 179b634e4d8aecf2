import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
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
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import { BlockedTermsService } from './blocked-terms.service';

type TermBody = z.infer<typeof blockedTermBodySchema>;
type Created = { termId: string; term: string };
type List = { items: BlockedTermView[] };

@ApiTags('blocked terms')
@ApiBearerAuth()
@Controller('v1/rooms/:roomId/blocked-terms')
export class RoomBlockedTermsController {
  constructor(private readonly terms: BlockedTermsService) {}

  @Post()
  @ApiRoute({
    summary: 'Block a term in the room',
    description:
      'Matched despite case, width, accents, look-alike letters, inserted spaces, punctuation, invisible characters, repeated letters and leetspeak; as a whole word (plus inflections) in scripts written with spaces, anywhere in Chinese, Japanese, Korean and Thai. A leading or trailing `*` also matches inside words (`*fuck*`). Applies to the next message on every instance.',
    access: 'moderator',
    params: ['roomId'],
    body: { schema: 'BlockedTermBody', required: true },
    ok: { status: 201, description: 'The term', schema: 'CreatedTerm' },
    errors: [{ status: 409, description: 'the term is already blocked here (details.termId)' }],
  })
  add(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: z.infer<typeof moderatedRoomParamsSchema>,
    @Body(new ZodPipe(blockedTermBodySchema)) body: TermBody,
  ): Promise<Created> {
    return this.terms.add(principal, p.roomId, body.term);
  }

  @Get()
  @ApiRoute({
    summary: "The room's blocked terms, oldest first",
    access: 'moderator',
    params: ['roomId'],
    ok: { status: 200, description: 'The terms', schema: 'BlockedTermList' },
  })
  list(
    @Param(new ZodPipe(moderatedRoomParamsSchema)) p: z.infer<typeof moderatedRoomParamsSchema>,
  ): Promise<List> {
    return this.terms.list(p.roomId);
  }

  @Delete(':termId')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Unblock a term of the room',
    access: 'moderator',
    params: ['roomId', 'termId'],
    ok: { status: 204, description: 'Unblocked' },
    errors: [{ status: 404, description: 'no such term' }],
  })
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomTermParamsSchema)) p: z.infer<typeof roomTermParamsSchema>,
  ): Promise<void> {
    return this.terms.remove(principal, p.roomId, p.termId);
  }
}

@ApiTags('blocked terms')
@ApiBearerAuth()
@Controller('v1/blocked-terms')
export class SiteBlockedTermsController {
  constructor(private readonly terms: BlockedTermsService) {}

  @Post()
  @ApiRoute({
    summary: 'Block a term site-wide',
    description:
      'Matched despite case, width, accents, look-alike letters, inserted spaces, punctuation, invisible characters, repeated letters and leetspeak; as a whole word (plus inflections) in scripts written with spaces, anywhere in Chinese, Japanese, Korean and Thai. A leading or trailing `*` also matches inside words (`*fuck*`). Applies to the next message on every instance.',
    access: 'admin',
    body: { schema: 'BlockedTermBody', required: true },
    ok: { status: 201, description: 'The term', schema: 'CreatedTerm' },
    errors: [{ status: 409, description: 'the term is already blocked here (details.termId)' }],
  })
  add(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(blockedTermBodySchema)) body: TermBody,
  ): Promise<Created> {
    return this.terms.add(principal, null, body.term);
  }

  @Get()
  @ApiRoute({
    summary: 'Site-wide blocked terms, oldest first',
    access: 'admin',
    ok: { status: 200, description: 'The terms', schema: 'BlockedTermList' },
  })
  list(): Promise<List> {
    return this.terms.list(null);
  }

  @Delete(':termId')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Unblock a site-wide term',
    access: 'admin',
    params: ['termId'],
    ok: { status: 204, description: 'Unblocked' },
    errors: [{ status: 404, description: 'no such term' }],
  })
  remove(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(termParamsSchema)) p: z.infer<typeof termParamsSchema>,
  ): Promise<void> {
    return this.terms.remove(principal, null, p.termId);
  }
}
