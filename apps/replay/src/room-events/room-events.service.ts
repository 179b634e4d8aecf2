import { Injectable } from '@nestjs/common';
import type { RoomEvent } from '@danmaku/contracts';
import { ReplayStoreRepository } from '../store/replay-store.repository';
import { ReplayMetrics } from '../metrics/replay.metrics';
import { buildRetractPlan } from './retract-plan';

/** Tries before a batch is handed back to the consumer for a retry with backoff. */
const RETRACT_ATTEMPTS = 3;

/** What applying a batch of room events did (the rebuild reports it). */
export interface RoomEventsOutcome {
  /** session.started / session.ended recorded (not counting those of purged sessions). */
  sessionEvents: number;
  /** Ids named by danmaku.retracted events. */
  retractedIds: number;
  /** Stored danmaku that a retraction removed. */
  removed: number;
}

/** Applies the room events replay cares about: session start/end and retractions. */
@Injectable()
export class RoomEventsService {
  constructor(
    private readonly store: ReplayStoreRepository,
    private readonly metrics: ReplayMetrics,
  ) {}

  /** In order, each write idempotent, so a redelivered batch changes nothing. */
  async apply(events: RoomEvent[]): Promise<RoomEventsOutcome> {
    const outcome: RoomEventsOutcome = { sessionEvents: 0, retractedIds: 0, removed: 0 };
    for (const event of events) {
      switch (event.type) {
        case 'session.started':
          // False when retention purged the session already: it stays gone.
          if (
            await this.store.recordSessionStarted(
              event.roomId,
              event.session.sessionId,
              event.session.startedAt,
            )
          )
            outcome.sessionEvents++;
          this.metrics.sessionEvents.inc({ type: event.type });
          break;
        case 'session.ended':
          if (
            await this.store.recordSessionEnded(
              event.roomId,
              event.session.sessionId,
              event.session.startedAt,
              event.session.endedAt,
            )
          )
            outcome.sessionEvents++;
          this.metrics.sessionEvents.inc({ type: event.type });
          break;
        case 'danmaku.retracted':
          outcome.retractedIds += event.ids.length;
          outcome.removed += await this.retract(event.roomId, event.ids);
          break;
        default:
          // settings, bans, mutes: nothing to replay.
          break;
      }
    }
    return outcome;
  }

  /**
   * Removes the stored `ids` and tombstones all of them. The bodies are read first to know
   * their indexes; an id stored between that read and the script is reported back and redone
   * (a stored body never changes, so the second pass cannot miss it again).
   */
  async retract(roomId: string, ids: string[]): Promise<number> {
    let pending = [...new Set(ids)];
    let removed = 0;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > RETRACT_ATTEMPTS) throw new Error(`retraction in room ${roomId} kept racing ingest`);
      const bodies = await this.store.readBodies(roomId, pending);
      const result = await this.store.retract(buildRetractPlan(roomId, pending, bodies));
      removed += result.removed;
      pending = result.missed;
    }
    this.metrics.retracted.inc(removed);
    return removed;
  }
}
