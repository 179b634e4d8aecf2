import {
  densityField,
  densityLevelFor,
  sessionDensityKeys,
  idOfMember,
  indexesOf,
  lexRange,
  positionOfMember,
  replayKeys,
  roomOfKey,
  timelineMember,
} from './replay-keys';

/** ZRANGEBYLEX semantics over plain strings, to check the bounds without Redis. */
function lexSelect(members: string[], min: string, max: string): string[] {
  const above = (m: string) => min === '-' || (min[0] === '(' ? m > min.slice(1) : m >= min.slice(1));
  const below = (m: string) => max === '+' || (max[0] === '(' ? m < max.slice(1) : m <= max.slice(1));
  return [...members].sort().filter((m) => above(m) && below(m));
}

describe('replay keys', () => {
  it('puts every key of a room under the room hash tag', () => {
    const keys = [
      replayKeys.messages('r1'),
      replayKeys.roomTimeline('r1'),
      replayKeys.sessionStarts('r1'),
      replayKeys.sessionEnds('r1'),
      replayKeys.sessionTimeline('r1', 's{x}'),
      replayKeys.sessionVersions('r1'),
      replayKeys.sessionsPurged('r1'),
      ...sessionDensityKeys('r1', 's{x}'),
    ];
    for (const k of keys) expect(k.startsWith('replay:{r1}:')).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('orders members numerically by time, then seq', () => {
    const members = [
      timelineMember(10_000, 2, 'b'),
      timelineMember(9_999, 900, 'a'),
      timelineMember(10_000, 10, 'c'),
      timelineMember(100_000, 1, 'd'),
    ];
    expect([...members].sort().map((m) => m.slice(-1))).toEqual(['a', 'b', 'c', 'd']);
    expect(timelineMember(1_732_000_000_000, 7, 'id:with:colons')).toBe(
      '1732000000000:000000000007:id:with:colons',
    );
  });

  it('clamps negative and huge times so order still holds', () => {
    expect(positionOfMember(timelineMember(-5, 1, 'x'))).toEqual({ at: 0, seq: 1 });
    expect(timelineMember(Number.MAX_SAFE_INTEGER, 1, 'x').startsWith('9999999999999:')).toBe(true);
    expect(densityField(-20)).toBe('0');
    expect(densityField(2_999)).toBe('2');
  });

  it('decodes a member back to its position', () => {
    expect(positionOfMember(timelineMember(1234, 56, 'id'))).toEqual({ at: 1234, seq: 56 });
    expect(() => positionOfMember('garbage')).toThrow();
  });

  describe('lexRange', () => {
    const members = [0, 500, 1000, 1000, 1500, 2000, 2500].map((at, i) =>
      timelineMember(at, i + 1, `m${i + 1}`),
    );
    const ids = (r: { min: string; max: string }) =>
      lexSelect(members, r.min, r.max).map((m) => m.split(':')[2]);

    it('selects everything without bounds', () => {
      expect(lexRange({})).toEqual({ min: '-', max: '+' });
      expect(ids(lexRange({}))).toHaveLength(7);
    });

    it('is from-inclusive and to-exclusive', () => {
      expect(ids(lexRange({ from: 1000, to: 2000 }))).toEqual(['m3', 'm4', 'm5']);
      expect(ids(lexRange({ from: 1000, to: 1000 }))).toEqual([]);
      expect(ids(lexRange({ from: 2001 }))).toEqual(['m7']);
      expect(ids(lexRange({ to: 1 }))).toEqual(['m1']);
    });

    it('starts strictly after a cursor position, even between equal times', () => {
      expect(ids(lexRange({ after: { at: 1000, seq: 3 } }))).toEqual(['m4', 'm5', 'm6', 'm7']);
      expect(ids(lexRange({ after: { at: 2500, seq: 7 } }))).toEqual([]);
    });

    it('uses whichever of from and cursor is further', () => {
      expect(ids(lexRange({ from: 2000, after: { at: 500, seq: 2 } }))).toEqual(['m6', 'm7']);
      expect(ids(lexRange({ from: 0, to: 2000, after: { at: 1000, seq: 4 } }))).toEqual(['m5']);
    });
  });

  it('indexes a session message in both timelines, a session-less one in the room only', () => {
    const base = { id: 'x', seq: 3, sentAt: 1_700_000_012_345 };
    const withSession = indexesOf({ ...base, sessionId: 's1', offsetMs: 12_345 });
    expect(withSession).toEqual({
      roomMember: '1700000012345:000000000003:x',
      session: { sessionId: 's1', member: '0000000012345:000000000003:x', densityField: '12' },
    });
    expect(indexesOf({ ...base, sessionId: null, offsetMs: null }).session).toBeNull();
  });

  it('finds the room of its message hash, timeline or session list, and nothing else', () => {
    expect(roomOfKey(replayKeys.messages('a-1'))).toBe('a-1');
    expect(roomOfKey(replayKeys.roomTimeline('a_1'))).toBe('a_1');
    expect(roomOfKey(replayKeys.sessionStarts('b'))).toBe('b');
    expect(roomOfKey(replayKeys.sessionTimeline('b', 'x}:timeline'))).toBeNull();
    expect(roomOfKey(replayKeys.sessionDensity('b', 's'))).toBeNull();
    expect(roomOfKey('other:{b}:msg')).toBeNull();
  });

  it('gives back the id of a member, colons included', () => {
    expect(idOfMember(timelineMember(5, 6, 'id:with:colons'))).toBe('id:with:colons');
    expect(() => idOfMember('nope')).toThrow();
  });

  it('keeps density counters at several widths, reading the coarsest that divides a bucket', () => {
    expect(sessionDensityKeys('r', 's')).toEqual([
      'replay:{r}:session:s:density',
      'replay:{r}:session:s:density:10s',
      'replay:{r}:session:s:density:60s',
      'replay:{r}:session:s:density:600s',
    ]);
    expect(densityLevelFor(10_000)).toBe(10);
    expect(densityLevelFor(5_000)).toBe(1);
    expect(densityLevelFor(120_000)).toBe(60);
    expect(densityLevelFor(3_600_000)).toBe(600);
    expect(densityLevelFor(1_500)).toBeNull();
  });
});
