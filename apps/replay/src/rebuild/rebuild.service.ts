import type { DanmakuAccepted, RoomEvent } from '@danmaku/contracts';
import type { IngestService } from '../ingest/ingest.service';
import type { RoomEventsService } from '../room-events/room-events.service';
import type { ReplayMaintenanceRepository } from '../store/replay-maintenance.repository';
import type { RebuildScope } from './rebuild-args';
import type { LogReader, ReadProgress } from './topic-reader';

export interface RebuildProgress {
  elapsedMs: number;
  topics: ({ name: string } & ReadProgress)[];
  /** Messages read per second since the start (both topics). */
  rate: number;
  /** Time left at that rate; null until a rate is known. */
  etaMs: number | null;
}

export interface RebuildSummary {
  scope: RebuildScope;
  /** Keys deleted before the rebuild (room scope only). */
  keysWiped: number;
  accepted: {
    read: number;
    /** Of the scope (all, or the room's). */
    matched: number;
    stored: number;
    duplicates: number;
    /** Not stored: a retraction tombstone holds their id. */
    tombstoned: number;
    /** Not stored: past retention. */
    expired: number;
  };
  events: { read: number; matched: number; sessionEvents: number; retractedIds: number; removed: number };
  elapsedMs: number;
}

/**
 * Rebuilds the replay store from Kafka: every danmaku.accepted and room.events message still
 * retained is replayed through the same idempotent ingest and retraction code the live
 * consumers use, so it can run beside a live replay and over an existing store. A room
 * rebuild wipes the room first; the watermarks are taken after the wipe, so anything live
 * replay stored before the wipe lies below them and is restored.
 */
export class RebuildService {
  constructor(
    private readonly accepted: LogReader<DanmakuAccepted>,
    private readonly events: LogReader<RoomEvent>,
    private readonly ingest: Pick<IngestService, 'ingest'>,
    private readonly roomEvents: Pick<RoomEventsService, 'apply'>,
    private readonly maintenance: Pick<ReplayMaintenanceRepository, 'wipeRoom'>,
    private readonly now: () => number = Date.now,
  ) {}

  async run(
    scope: RebuildScope,
    onProgress: (p: RebuildProgress) => void = () => undefined,
    progressEveryMs = 2000,
  ): Promise<RebuildSummary> {
    const started = this.now();
    // Kafka first: a room is never wiped by a run that cannot read it back.
    await Promise.all([this.accepted.prepare(), this.events.prepare()]);
    const summary: RebuildSummary = {
      scope,
      keysWiped: scope.kind === 'room' ? await this.maintenance.wipeRoom(scope.roomId) : 0,
      accepted: { read: 0, matched: 0, stored: 0, duplicates: 0, tombstoned: 0, expired: 0 },
      events: { read: 0, matched: 0, sessionEvents: 0, retractedIds: 0, removed: 0 },
      elapsedMs: 0,
    };
    const inScope = (roomId: string) => scope.kind === 'all' || roomId === scope.roomId;
    await Promise.all([this.accepted.snapshot(), this.events.snapshot()]);
    const timer = setInterval(() => onProgress(this.progress(started)), progressEveryMs);
    try {
      await Promise.all([
        this.accepted.read(async (values) => {
          const items = values.map((v) => v.danmaku).filter((d) => inScope(d.roomId));
          if (items.length === 0) return;
          // Counted only once the batch succeeded (a failed one is retried).
          const outcome = await this.ingest.ingest(items);
          summary.accepted.matched += items.length;
          summary.accepted.stored += outcome.stored;
          summary.accepted.duplicates += outcome.duplicates;
          summary.accepted.tombstoned += outcome.retracted;
          summary.accepted.expired += outcome.expired;
        }),
        this.events.read(async (values) => {
          const events = values.filter((e) => inScope(e.roomId));
          if (events.length === 0) return;
          const outcome = await this.roomEvents.apply(events);
          summary.events.matched += events.length;
          summary.events.sessionEvents += outcome.sessionEvents;
          summary.events.retractedIds += outcome.retractedIds;
          summary.events.removed += outcome.removed;
        }),
      ]);
    } finally {
      clearInterval(timer);
      await Promise.all([this.accepted.dispose(), this.events.dispose()]);
    }
    summary.accepted.read = this.accepted.progress().read;
    summary.events.read = this.events.progress().read;
    summary.elapsedMs = this.now() - started;
    return summary;
  }

  private progress(started: number): RebuildProgress {
    const elapsedMs = Math.max(1, this.now() - started);
    const topics = [this.accepted, this.events].map((r) => ({ name: r.name, ...r.progress() }));
    const read = topics.reduce((n, t) => n + t.read, 0);
    const total = topics.reduce((n, t) => n + t.total, 0);
    const rate = (read / elapsedMs) * 1000;
    return { elapsedMs, topics, rate, etaMs: rate > 0 ? ((total - read) / rate) * 1000 : null };
  }
}
