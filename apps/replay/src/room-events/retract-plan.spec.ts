import type { Danmaku } from '@danmaku/contracts';
import { buildRetractPlan } from './retract-plan';

const body = (d: Partial<Danmaku>) =>
  JSON.stringify({
    id: 'x',
    roomId: 'r1',
    seq: 1,
    userId: 'u',
    nickname: 'n',
    text: 't',
    mode: 'scroll',
    color: '#ffffff',
    size: 'medium',
    sentAt: 2_000,
    sessionId: null,
    offsetMs: null,
    ...d,
  });

describe('buildRetractPlan', () => {
  it('describes the indexes of stored ids and marks unknown ones', () => {
    const plan = buildRetractPlan(
      'r1',
      ['a', 'b', 'c'],
      [body({ id: 'a', seq: 4, sessionId: 's9', offsetMs: 1500 }), null, body({ id: 'c', seq: 5 })],
    );
    expect(plan.sessionIds).toEqual(['s9']);
    expect(plan.entries).toEqual([
      {
        id: 'a',
        indexed: {
          roomMember: '0000000002000:000000000004:a',
          session: { index: 1, member: '0000000001500:000000000004:a', densityField: '1' },
        },
      },
      { id: 'b', indexed: null },
      { id: 'c', indexed: { roomMember: '0000000002000:000000000005:c', session: null } },
    ]);
  });
});
