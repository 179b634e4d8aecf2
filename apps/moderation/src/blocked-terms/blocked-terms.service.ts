import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { BlockedTermView, Principal } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { BlockedTermsRepository } from './blocked-terms.repository';
import { TERM_MATCHER, type TermMatcher } from './term-matcher';

/** Room terms (`roomId`: admins and the room's moderators) and site-wide terms (`null`: admins). */
@Injectable()
export class BlockedTermsService {
  constructor(
    private readonly repo: BlockedTermsRepository,
    private readonly audit: AuditService,
    @Inject(TERM_MATCHER) private readonly matcher: TermMatcher,
    private readonly clock: Clock,
  ) {}

  async add(
    principal: Principal,
    roomId: string | null,
    term: string,
  ): Promise<{ termId: string; term: string }> {
    const canonical = this.matcher.canonical(term);
    if (canonical.length === 0) {
      throw new DomainException('INVALID_PAYLOAD', 'Invalid body', [
        { path: 'term', message: 'term has no matchable characters' },
      ]);
    }
    const view: BlockedTermView = {
      termId: randomUUID(),
      term,
      createdAt: this.clock.now(),
      createdBy: principal.userId,
    };
    const { existingTermId } = await this.repo.add(roomId, view, canonical);
    if (existingTermId !== null) {
      throw new DomainException('CONFLICT', 'That term is already blocked', { termId: existingTermId });
    }
    await this.audit.record(roomId, {
      actorId: principal.userId,
      action: 'term.add',
      target: view.termId,
      details: { term },
    });
    return { termId: view.termId, term };
  }

  async list(roomId: string | null): Promise<{ items: BlockedTermView[] }> {
    return { items: await this.repo.list(roomId) };
  }

  async remove(principal: Principal, roomId: string | null, termId: string): Promise<void> {
    const removed = await this.repo.remove(roomId, termId);
    if (!removed) throw new DomainException('NOT_FOUND', 'No such blocked term');
    await this.audit.record(roomId, {
      actorId: principal.userId,
      action: 'term.remove',
      target: termId,
      details: { term: removed.term },
    });
  }
}
