import type { Danmaku } from '@danmaku/contracts';
import { buildIngestPlans } from './ingest-plan';

function danmaku(over: Partial<Danmaku>): Danmaku {
  return {
    id: 'id',
    roomId: 'r1',
    seq: 1,
    userId: 'u1',
    nickname: 'n',
    text: 'hi',
    mode: 'scroll',
    color: '#ffffff',
    size: 'medium',
    sentAt: 1_700_000_010_000,
    sessionId: 's1',
    offsetMs: 10_000,
    ...over,
  };
}

describe('buildIngestPlans', () => {
  it('makes one script call per room, keeping batch order within a room', () => {
    const plans = [
      ...buildIngestPlans([
        danmaku({ id: 'a', roomId: 'r1', seq: 1 }),
        danmaku({ id: 'b', roomId: 'r2', seq: 1 }),
        danmaku({ id: 'c', roomId: 'r1', seq: 2 }),
      ]),
    ];
    expect(plans.map((p) => [p.roomId, p.entries.map((e) => e.id)])).toEqual([
      ['r1', ['a', 'c']],
      ['r2', ['b']],
    ]);
  });

  it('splits a big room slice into chunks', () => {
    const items = Array.from({ length: 7 }, (_, i) => danmaku({ id: `m${i}`, seq: i + 1 }));
    expect([...buildIngestPlans(items, 3)].map((p) => p.entries.length)).toEqual([3, 3, 1]);
  });

  it('numbers the sessions of a chunk from 1 and infers their start for lazy creation', () => {
    const [plan] = [
      ...buildIngestPlans([
        danmaku({ id: 'a', sessionId: 's1', sentAt: 5_000, offsetMs: 1_000 }),
        danmaku({ id: 'b', sessionId: null, offsetMs: null }),
        danmaku({ id: 'c', sessionId: 's2', sentAt: 9_000, offsetMs: 500 }),
        danmaku({ id: 'd', sessionId: 's1', sentAt: 6_000, offsetMs: 2_000 }),
      ]),
    ];
    expect(plan.sessions).toEqual([
      { sessionId: 's1', startedAt: 4_000 },
      { sessionId: 's2', startedAt: 8_500 },
    ]);
    expect(plan.entries.map((e) => e.session?.index ?? 0)).toEqual([1, 0, 2, 1]);
    expect(plan.entries[3].session).toEqual({
      index: 1,
      member: '0000000002000:000000000001:d',
      densityField: '2',
    });
    expect(JSON.parse(plan.entries[1].body)).toMatchObject({ id: 'b', sessionId: null });
  });
});
