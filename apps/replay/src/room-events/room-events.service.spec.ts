import { MetricsService } from '@danmaku/platform';
import { ReplayMetrics } from '../metrics/replay.metrics';
import type { ReplayStoreRepository, RoomRetractPlan } from '../store/replay-store.repository';
import { RoomEventsService } from './room-events.service';

const body = (id: string) =>
  JSON.stringify({
    id,
    roomId: 'r1',
    seq: 1,
    userId: 'u',
    nickname: 'n',
    text: 't',
    mode: 'scroll',
    color: '#ffffff',
    size: 'medium',
    sentAt: 1,
    sessionId: null,
    offsetMs: null,
  });

/** Records calls; `lateIds` are stored only after the first body read (an ingest racing the retraction). */
class FakeStore {
  stored = new Map<string, string>();
  lateIds = new Set<string>();
  plans: RoomRetractPlan[] = [];
  calls: string[] = [];
  purged = new Set<string>();

  async readBodies(_roomId: string, ids: string[]) {
    const bodies = ids.map((id) => this.stored.get(id) ?? null);
    for (const id of this.lateIds) this.stored.set(id, body(id));
    this.lateIds.clear();
    return bodies;
  }

  async retract(plan: RoomRetractPlan) {
    this.plans.push(plan);
    let removed = 0;
    const missed: string[] = [];
    for (const e of plan.entries) {
      if (!this.stored.has(e.id)) continue;
      if (e.indexed) {
        this.stored.delete(e.id);
        removed++;
      } else missed.push(e.id);
    }
    return { removed, missed };
  }

  async recordSessionStarted(roomId: string, sessionId: string, startedAt: number) {
    this.calls.push(`started ${roomId} ${sessionId} ${startedAt}`);
    return !this.purged.has(sessionId);
  }

  async recordSessionEnded(roomId: string, sessionId: string, startedAt: number, endedAt: number) {
    this.calls.push(`ended ${roomId} ${sessionId} ${startedAt} ${endedAt}`);
    return !this.purged.has(sessionId);
  }
}

describe('RoomEventsService', () => {
  let store: FakeStore;
  let service: RoomEventsService;

  beforeEach(() => {
    store = new FakeStore();
    service = new RoomEventsService(
      store as unknown as ReplayStoreRepository,
      new ReplayMetrics(new MetricsService()),
    );
  });

  it('redoes ids stored between its read and its script', async () => {
    store.stored.set('a', body('a'));
    store.lateIds.add('b');
    expect(await service.retract('r1', ['a', 'b', 'a'])).toBe(2);
    expect(store.plans.map((p) => p.entries.map((e) => e.id))).toEqual([['a', 'b'], ['b']]);
    expect(store.stored.size).toBe(0);
  });

  it('tombstones ids that are not stored without failing', async () => {
    expect(await service.retract('r1', ['ghost'])).toBe(0);
    expect(store.plans[0].entries).toEqual([{ id: 'ghost', indexed: null }]);
  });

  it('applies session events in order and ignores unrelated events', async () => {
    const outcome = await service.apply([
      { type: 'session.started', roomId: 'r1', session: { sessionId: 's', startedAt: 10 }, at: 10 },
      {
        type: 'settings.updated',
        roomId: 'r1',
        settings: { slowModeSec: 0, maxLength: 100, closed: false, uniqueChat: false },
        at: 11,
      },
      {
        type: 'session.ended',
        roomId: 'r1',
        session: { sessionId: 's', startedAt: 10, endedAt: 20 },
        at: 20,
      },
    ]);
    expect(store.calls).toEqual(['started r1 s 10', 'ended r1 s 10 20']);
    expect(outcome).toEqual({ sessionEvents: 2, retractedIds: 0, removed: 0 });
  });

  it('reports retractions and does not count events of sessions retention purged', async () => {
    store.stored.set('a', body('a'));
    store.purged.add('old');
    const outcome = await service.apply([
      { type: 'session.started', roomId: 'r1', session: { sessionId: 'old', startedAt: 1 }, at: 1 },
      { type: 'danmaku.retracted', roomId: 'r1', ids: ['a', 'ghost'], actorId: 'm', reason: null, at: 2 },
    ]);
    expect(outcome).toEqual({ sessionEvents: 0, retractedIds: 2, removed: 1 });
  });
});
