import { Injectable } from '@nestjs/common';
import type { ReplaySessionSummary } from '@danmaku/contracts';
import { ReplayStoreRepository } from '../store/replay-store.repository';

@Injectable()
export class SessionsService {
  constructor(private readonly store: ReplayStoreRepository) {}

  /** Newest first (by startedAt, then sessionId), each with its count of non-retracted danmaku. */
  async list(roomId: string): Promise<{ items: ReplaySessionSummary[] }> {
    const sessions = await this.store.listSessions(roomId);
    sessions.sort(
      (a, b) =>
        b.startedAt - a.startedAt || (a.sessionId < b.sessionId ? 1 : a.sessionId > b.sessionId ? -1 : 0),
    );
    return { items: sessions };
  }
}
