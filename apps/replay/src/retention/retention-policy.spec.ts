import type { Danmaku } from '@danmaku/contracts';
import { indexesOf } from '../store/replay-keys';
import type { StoredRow } from '../store/replay-maintenance.repository';
import { expiredOnArrival, retentionCutoff, roomHistoryDeletion, sessionDeletion } from './retention-policy';
import { danmakuFixture } from '@danmaku/testing';

const DAY = 86_400_000;

function row(over: Partial<Danmaku>, body = true): StoredRow {
  const d: Danmaku = danmakuFixture({
    id: 'x',
    roomId: 'r',
    seq: 1,
    sentAt: 1_000,
    sessionId: 's',
    offsetMs: 10,
    ...over,
  });
  const idx = indexesOf(d);
  return { id: d.id, member: idx.session?.member ?? idx.roomMember, body: body ? JSON.stringify(d) : null };
}

describe('retention policy', () => {
  it('has no cutoff when retention is off', () => {
    expect(retentionCutoff(0, 10 * DAY)).toBeNull();
    expect(retentionCutoff(3, 10 * DAY)).toBe(7 * DAY);
  });

  it('drops only session-less danmaku older than the cutoff on arrival', () => {
    expect(expiredOnArrival({ sessionId: null, sentAt: 5 }, 10)).toBe(true);
    expect(expiredOnArrival({ sessionId: null, sentAt: 10 }, 10)).toBe(false);
    expect(expiredOnArrival({ sessionId: 's', sentAt: 5 }, 10)).toBe(false);
    expect(expiredOnArrival({ sessionId: null, sentAt: 5 }, null)).toBe(false);
  });

  it('removes old members from the room history but keeps the bodies of session danmaku', () => {
    const rows = [
      row({ id: 'a', sessionId: null, offsetMs: null }),
      row({ id: 'b' }),
      row({ id: 'c' }, false),
    ];
    const chunk = roomHistoryDeletion(rows);
    expect(chunk.ids).toEqual(['a']);
    expect(chunk.roomMembers).toEqual(rows.map((r) => r.member));
    expect(chunk.sessionMembers).toEqual([]);
  });

  it('removes an expiring session’s bodies and both of their indexes', () => {
    const rows = [row({ id: 'a', seq: 1, sentAt: 5_000 }), row({ id: 'b', seq: 2 }, false)];
    expect(sessionDeletion(rows)).toEqual({
      ids: ['a'],
      roomMembers: ['0000000005000:000000000001:a'],
      sessionMembers: rows.map((r) => r.member),
    });
  });
});
