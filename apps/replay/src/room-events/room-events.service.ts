import { Injectable } from '@nestjs/common';
import type { RoomEvent } from '@danmaku/contracts';
import { ReplayStoreRepository } from '../store/replay-store.repository';
import { ReplayMetrics } from '../metrics/replay.metrics';
import { buildRetractPlan } from './retract-plan';

/** Tries before a batch is handed back to the consumer for a retry with backoff. */
const RETRACT_ATTEMPTS = 3;

/** Applies the room events replay cares about: session start/end and retractions. */
@Injectable()
export class RoomEventsService {
  constructor(
    private readonly store: ReplayStoreRepository,
    private readonly metrics: ReplayMetrics,
  ) {}

  /** In order, each write idempotent, so a redelivered batch changes nothing. */
  async apply(events: RoomEvent[]): Promise<void> {
    for (const event of events) {
      switch (event.type) {
        case 'session.started':
          await this.store.recordSessionStarted(
            event.roomId,
            event.session.sessionId,
            event.session.startedAt,
          );
          this.metrics.sessionEvents.inc({ type: event.type });
          break;
        case 'session.ended':
          await this.store.recordSessionEnded(
            event.roomId,
            event.session.sessionId,
            event.session.startedAt,
            event.session.endedAt,
          );
          this.metrics.sessionEvents.inc({ type: event.type });
          break;
        case 'danmaku.retracted':
          await this.retract(event.roomId, event.ids);
          break;
        default:
          // settings, bans, mutes: nothing to replay.
          break;
      }
    }
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
