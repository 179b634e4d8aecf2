import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { auditLogQuerySchema, roomParamsSchema, type AuditEntry, type Page, type Principal } from '@danmaku/contracts';
import { CurrentPrincipal, ZodPipe } from '@danmaku/platform';
import type { z } from 'zod';
import { AuthenticatedGuard } from '../access/authenticated.guard';
import { AuditService } from './audit.service';

@Controller('v1/rooms/:roomId/audit-log')
@UseGuards(AuthenticatedGuard)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  page(
    @CurrentPrincipal() principal: Principal,
    @Param(new ZodPipe(roomParamsSchema)) params: z.infer<typeof roomParamsSchema>,
    @Query(new ZodPipe(auditLogQuerySchema)) query: z.infer<typeof auditLogQuerySchema>,
  ): Promise<Page<AuditEntry>> {
    return this.audit.page(principal, params.roomId, query);
  }
}
