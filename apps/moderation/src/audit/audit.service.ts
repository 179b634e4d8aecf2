import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SITE_AUDIT_ROOM, type AuditEntry, type Page } from '@danmaku/contracts';
import { Clock } from '../common/clock';
import { AuditRepository } from './audit.repository';

export interface AuditAction {
  actorId: string;
  action: string;
  target: string;
  reason?: string | null;
  details?: Record<string, unknown> | null;
}

@Injectable()
export class AuditService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly clock: Clock,
  ) {}

  /** Records a moderation action; `roomId` null for site-wide ones. */
  async record(roomId: string | null, a: AuditAction): Promise<AuditEntry> {
    const entry: AuditEntry = {
      id: randomUUID(),
      at: this.clock.now(),
      actorId: a.actorId,
      action: a.action,
      target: a.target,
      reason: a.reason ?? null,
      details: a.details ?? null,
    };
    await this.repo.append(roomId, entry);
    return entry;
  }

  /** A room's log for its moderators; `_site` is the site-wide log, for admins. */
  async page(roomId: string, query: { limit: number; cursor?: string }): Promise<Page<AuditEntry>> {
    const site = roomId === SITE_AUDIT_ROOM;
    const before = query.cursor === undefined ? null : Number(query.cursor);
    return this.repo.page(site ? null : roomId, query.limit, before);
  }
}
