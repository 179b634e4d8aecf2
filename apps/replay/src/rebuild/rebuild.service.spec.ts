import type { DanmakuAccepted, RoomEvent } from '@danmaku/contracts';
import type { IngestOutcome } from '../store/replay-store.repository';
import { formatProgress, formatSummary } from './rebuild-progress';
import { RebuildService, type RebuildProgress } from './rebuild.service';
import type { LogReader, PartitionSpan } from './topic-reader';
import { danmakuFixture } from '@danmaku/testing';

/** Hands its batches over one by one; `events` records the order of everything. */
class FakeReader<T> implements LogReader<T> {
  read_ = 0;
  disposed = false;
  constructor(
    readonly name: string,
    private readonly batches: T[][],
    private readonly log: string[],
    private readonly failFirst = false,
  ) {}
  kafkaAway = false;
  async prepare(): Promise<void> {
    if (this.kafkaAway) throw new Error('kafka away');
    this.log.push(`prepare ${this.name}`);
  }
  async snapshot(): Promise<PartitionSpan[]> {
    this.log.push(`snapshot ${this.name}`);
    return [{ partition: 0, low: 0, high: this.total }];
  }
  get total() {
    return this.batches.reduce((n, b) => n + b.length, 0);
  }
  progress() {
    return { read: this.read_, total: this.total };
  }
  async read(handle: (values: T[]) => Promise<void>): Promise<void> {
    for (const batch of this.batches) {
      if (this.failFirst) {
        // A batch that failed once is handed over again (TypedConsumer retries it).
        await handle(batch).catch(() => undefined);
      }
      await handle(batch);
      this.read_ += batch.length;
    }
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

const accepted = (roomId: string, id: string): DanmakuAccepted => ({
  decidedAt: 1,
  danmaku: danmakuFixture({ id, roomId, seq: 1, sentAt: 1 }),
});
const retracted = (roomId: string, ids: string[]): RoomEvent => ({
  type: 'danmaku.retracted',
  roomId,
  ids,
  actorId: 'm',
  reason: null,
  at: 1,
});

describe('RebuildService', () => {
  let log: string[];
  let ingested: string[][];
  let failNextIngest: boolean;
  const ingest = {
    ingest: async (items: { id: string }[]): Promise<IngestOutcome> => {
      if (failNextIngest) {
        failNextIngest = false;
        throw new Error('redis away');
      }
      ingested.push(items.map((d) => d.id));
      return { stored: items.length, duplicates: 0, retracted: 0, expired: 0 };
    },
  };
  const roomEvents = {
    apply: async (events: RoomEvent[]) => {
      log.push(`apply ${events.map((e) => e.roomId).join(',')}`);
      return { sessionEvents: 0, retractedIds: events.length, removed: events.length };
    },
  };
  const maintenance = {
    wipeRoom: async (roomId: string) => {
      log.push(`wipe ${roomId}`);
      return 7;
    },
  };

  beforeEach(() => {
    log = [];
    ingested = [];
    failNextIngest = false;
  });

  it('wipes a room before taking the watermarks, then restores only that room', async () => {
    const a = new FakeReader(
      'danmaku.accepted.v1',
      [[accepted('r1', 'a'), accepted('r2', 'b')], [accepted('r1', 'c')]],
      log,
    );
    const e = new FakeReader('room.events.v1', [[retracted('r2', ['b']), retracted('r1', ['a'])]], log);
    const summary = await new RebuildService(a, e, ingest, roomEvents, maintenance).run({
      kind: 'room',
      roomId: 'r1',
    });

    expect(log.slice(0, 5)).toEqual([
      'prepare danmaku.accepted.v1',
      'prepare room.events.v1',
      'wipe r1',
      'snapshot danmaku.accepted.v1',
      'snapshot room.events.v1',
    ]);
    expect(log).toContain('apply r1');
    expect(log).not.toContain('apply r2,r1');
    expect(ingested).toEqual([['a'], ['c']]);
    expect(summary).toMatchObject({
      keysWiped: 7,
      accepted: { read: 3, matched: 2, stored: 2 },
      events: { read: 2, matched: 1, retractedIds: 1, removed: 1 },
    });
    expect(a.disposed && e.disposed).toBe(true);
  });

  it('rebuilds all rooms without wiping, counting a retried batch once', async () => {
    failNextIngest = true;
    const a = new FakeReader('danmaku.accepted.v1', [[accepted('r1', 'a'), accepted('r2', 'b')]], log, true);
    const e = new FakeReader<RoomEvent>('room.events.v1', [], log);
    const summary = await new RebuildService(a, e, ingest, roomEvents, maintenance).run({ kind: 'all' });
    expect(log.some((l) => l.startsWith('wipe'))).toBe(false);
    expect(summary.accepted).toMatchObject({ read: 2, matched: 2, stored: 2 });
    expect(summary.keysWiped).toBe(0);
  });

  it('never wipes a room when Kafka cannot be reached', async () => {
    const a = new FakeReader('danmaku.accepted.v1', [[accepted('r1', 'a')]], log);
    const e = new FakeReader<RoomEvent>('room.events.v1', [], log);
    e.kafkaAway = true;
    await expect(
      new RebuildService(a, e, ingest, roomEvents, maintenance).run({ kind: 'room', roomId: 'r1' }),
    ).rejects.toThrow('kafka away');
    expect(log.some((l) => l.startsWith('wipe'))).toBe(false);
  });

  it('disposes its readers when reading fails', async () => {
    const a = new FakeReader('danmaku.accepted.v1', [[accepted('r1', 'a')]], log);
    const e = new FakeReader<RoomEvent>('room.events.v1', [], log);
    failNextIngest = true;
    await expect(
      new RebuildService(a, e, ingest, roomEvents, maintenance).run({ kind: 'all' }),
    ).rejects.toThrow('redis away');
    expect(a.disposed && e.disposed).toBe(true);
  });

  it('reports progress against the watermarks with a rate and an ETA', async () => {
    let t = 0;
    const a = new FakeReader('danmaku.accepted.v1', [[accepted('r1', 'a')]], log);
    const e = new FakeReader<RoomEvent>('room.events.v1', [], log);
    const seen: RebuildProgress[] = [];
    const service = new RebuildService(a, e, ingest, roomEvents, maintenance, () => t);
    jest.useFakeTimers();
    try {
      const origRead = a.read.bind(a);
      a.read = async (handle) => {
        t = 4000;
        jest.advanceTimersByTime(1000);
        await origRead(handle);
      };
      await service.run({ kind: 'all' }, (p) => seen.push(p), 1000);
    } finally {
      jest.useRealTimers();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ elapsedMs: 4000, rate: 0, etaMs: null });
    expect(formatProgress(seen[0])).toBe(
      '[4s] danmaku.accepted.v1 0/1 (0%) · room.events.v1 0/0 (100%) · 0 msg/s · ETA ?',
    );
  });
});

describe('rebuild output', () => {
  it('formats a progress line with the rate and the time left', () => {
    expect(
      formatProgress({
        elapsedMs: 65_000,
        topics: [
          { name: 'danmaku.accepted.v1', read: 1_300_000, total: 2_000_000 },
          { name: 'room.events.v1', read: 500, total: 500 },
        ],
        rate: 20_007.7,
        etaMs: 35_000,
      }),
    ).toBe(
      '[1m05s] danmaku.accepted.v1 1,300,000/2,000,000 (65%) · room.events.v1 500/500 (100%) · 20,008 msg/s · ETA 35s',
    );
  });

  it('summarises what was read, stored and removed', () => {
    const text = formatSummary({
      scope: { kind: 'room', roomId: 'lobby' },
      keysWiped: 9,
      accepted: { read: 1000, matched: 40, stored: 38, duplicates: 0, tombstoned: 2, expired: 0 },
      events: { read: 20, matched: 3, sessionEvents: 2, retractedIds: 2, removed: 0 },
      elapsedMs: 2000,
    });
    expect(text.split('\n')).toEqual([
      'replay rebuild of room lobby (9 keys wiped first): done in 2.0 s, 510 msg/s',
      '  danmaku.accepted  read 1,000, in scope 40: stored 38, already stored 0, retracted 2, past retention 0',
      '  room.events       read 20, in scope 3: session events 2, retracted ids 2 (0 removed from the store)',
    ]);
  });
});
