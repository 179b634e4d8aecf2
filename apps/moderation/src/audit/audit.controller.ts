import { Controller, Get, Param, Query } from '@nestjs/common';
import { auditLogQuerySchema, roomParamsSchema, type AuditEntry, type Page } from '@danmaku/contracts';
import { ZodPipe } from '@danmaku/platform';
import type { z } from 'zod';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../openapi/api-route.decorator';
import { AuditService } from './audit.service';

@ApiTags('audit log')
@ApiBearerAuth()
@Controller('v1/rooms/:roomId/audit-log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiRoute({
    summary: 'The audit log of a room, newest first',
    description:
      'Every successful action (who, when, what, target, reason). Site-wide actions are in the log of the reserved room `_site` (admins only). `nextCursor` is null on the last page; a cursor stays valid while entries arrive.',
    access: 'moderator',
    params: ['roomId'],
    query: [
      {
        name: 'limit',
        description: 'Entries per page (default 50)',
        schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
      },
      {
        name: 'cursor',
        description: "From a previous page's `nextCursor`",
        schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
      },
    ],
    ok: { status: 200, description: 'One page', schema: 'AuditPage' },
  })
  page(
    @Param(new ZodPipe(roomParamsSchema)) params: z.infer<typeof roomParamsSchema>,
    @Query(new ZodPipe(auditLogQuerySchema)) query: z.infer<typeof auditLogQuerySchema>,
  ): Promise<Page<AuditEntry>> {
    return this.audit.page(params.roomId, query);
  }
}
