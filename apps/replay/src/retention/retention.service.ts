import { Inject, Injectable } from '@nestjs/common';
import { REPLAY_CONFIG, type ReplayConfig } from '../config/replay.config';
import { ReplayMetrics } from '../metrics/replay.metrics';
import {
  ReplayMaintenanceRepository,
  type DeleteChunk,
  type StoredRow,
} from '../store/replay-maintenance.repository';
import { retentionCutoff, roomHistoryDeletion, sessionDeletion } from './retention-policy';

/** Rows per deletion step: each step is one MULTI, short enough not to stall Redis. */
const CHUNK = 1000;

export interface SweepReport {
  rooms: number;
  sessionsPurged: number;
  messagesDeleted: number;
}

/**
 * Enforces REPLAY_RETENTION_DAYS: a session is deleted once it ended more than that long ago
 * (its danmaku, indexes and density), and the room's wall-clock history keeps that many days
 * by sentAt. Safe to run twice at once or to stop half-way: every step is idempotent and a
 * purge left pending is finished by the next sweep.
 */
@Injectable()
export class RetentionService {
  constructor(
    private readonly store: ReplayMaintenanceRepository,
    private readonly metrics: ReplayMetrics,
    @Inject(REPLAY_CONFIG) private readonly config: ReplayConfig,
  ) {}

  get enabled(): boolean {
    return this.config.REPLAY_RETENTION_DAYS > 0;
  }

  async sweep(now = Date.now()): Promise<SweepReport> {
    const report: SweepReport = { rooms: 0, sessionsPurged: 0, messagesDeleted: 0 };
    const cutoff = retentionCutoff(this.config.REPLAY_RETENTION_DAYS, now);
    if (cutoff === null) return report;
    for await (const rooms of this.store.scanRooms()) {
      for (const roomId of rooms) {
        report.rooms++;
        report.messagesDeleted += await this.pruneRoomHistory(roomId, cutoff);
        const expired = (await this.store.endedSessions(roomId))
          .filter((s) => s.endedAt < cutoff)
          .map((s) => s.sessionId);
        for (const sessionId of expired) await this.store.beginPurge(roomId, sessionId);
        for (const sessionId of new Set([...expired, ...(await this.store.pendingPurges(roomId))])) {
          report.messagesDeleted += await this.purgeSession(roomId, sessionId, now);
          report.sessionsPurged++;
        }
      }
    }
    this.metrics.retentionSessionsPurged.inc(report.sessionsPurged);
    this.metrics.retentionMessagesDeleted.inc(report.messagesDeleted);
    this.metrics.retentionLastSweep.set(Math.floor(Date.now() / 1000));
    return report;
  }

  private async pruneRoomHistory(roomId: string, cutoff: number): Promise<number> {
    return this.drain(
      () => this.store.readRoomHistoryBefore(roomId, cutoff, CHUNK),
      roomHistoryDeletion,
      roomId,
      null,
    );
  }

  /** The session is already marked purged (beginPurge): nothing new is stored into it meanwhile. */
  private async purgeSession(roomId: string, sessionId: string, now: number): Promise<number> {
    const deleted = await this.drain(
      () => this.store.readSessionHead(roomId, sessionId, CHUNK),
      sessionDeletion,
      roomId,
      sessionId,
    );
    await this.store.finishPurge(roomId, sessionId, now);
    return deleted;
  }

  /** Reads the head of a timeline and deletes it, until nothing is left; returns bodies deleted. */
  private async drain(
    read: () => Promise<StoredRow[]>,
    plan: (rows: StoredRow[]) => DeleteChunk,
    roomId: string,
    sessionId: string | null,
  ): Promise<number> {
    let deleted = 0;
    for (let rows = await read(); rows.length > 0; rows = await read()) {
      const chunk = plan(rows);
      await this.store.deleteChunk(roomId, sessionId, chunk);
      deleted += chunk.ids.length;
    }
    return deleted;
  }
}
