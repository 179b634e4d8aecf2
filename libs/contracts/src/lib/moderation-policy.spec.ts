import { DEFAULT_ROOM_SETTINGS } from './danmaku';
import { roomLengthRefusal, sanctionInForce, sanctionsInForce, staticRefusal } from './moderation-policy';

const NOW = 1_700_000_000_000;

describe('moderation policy', () => {
  it('holds a sanction in force until its `until` (null: for ever)', () => {
    expect(sanctionInForce({ until: null }, NOW)).toBe(true);
    expect(sanctionInForce({ until: NOW + 1 }, NOW)).toBe(true);
    expect(sanctionInForce({ until: NOW }, NOW)).toBe(false);
    expect(sanctionInForce(null, NOW)).toBe(false);
  });

  it('merges site and room bans into the longest one in force, and keeps a mute apart', () => {
    expect(sanctionsInForce([{ until: NOW + 5 }, { until: NOW + 9 }], { until: NOW + 1 }, NOW)).toEqual({
      bannedUntil: NOW + 9,
      mutedUntil: NOW + 1,
    });
    expect(sanctionsInForce([{ until: NOW + 5 }, { until: null }], null, NOW)).toEqual({ bannedUntil: null });
    expect(sanctionsInForce([{ until: NOW }, undefined], { until: NOW - 1 }, NOW)).toEqual({});
  });

  it('refuses in one order with one wording per code: ban, mute, closed room, length', () => {
    const closed = { ...DEFAULT_ROOM_SETTINGS, closed: true, maxLength: 2 };
    const facts = { sanctions: { bannedUntil: null, mutedUntil: NOW + 1 }, settings: closed, text: 'abc' };
    expect(staticRefusal(facts)).toEqual({
      code: 'BANNED',
      message: 'You are banned from this room',
      details: { until: null },
    });
    expect(staticRefusal({ ...facts, sanctions: { mutedUntil: NOW + 1 } })).toEqual({
      code: 'MUTED',
      message: `You are muted in this room until ${new Date(NOW + 1).toISOString()}`,
      details: { until: NOW + 1 },
    });
    expect(staticRefusal({ ...facts, sanctions: {} })?.code).toBe('ROOM_CLOSED');
    const open = { ...closed, closed: false };
    expect(staticRefusal({ ...facts, sanctions: {}, settings: open })).toEqual({
      code: 'TOO_LONG',
      message: 'Text is 3 characters; the room allows 2',
      details: { maxLength: 2, length: 3 },
    });
    expect(staticRefusal({ ...facts, sanctions: {}, settings: open, text: 'ab' })).toBeNull();
  });

  it('counts grapheme clusters, not UTF-16 units, for texts longer than the limit in units', () => {
    const settings = { ...DEFAULT_ROOM_SETTINGS, maxLength: 3 };
    // 3 graphemes in 11 UTF-16 units (ZWJ family, flag, CR LF): within the limit.
    expect(roomLengthRefusal('👨‍👩‍👧🇯🇵\r\n', settings)).toBeNull();
    // 4 graphemes in 4 units: one over.
    expect(roomLengthRefusal('abcd', settings)?.details).toEqual({ maxLength: 3, length: 4 });
    // 4 graphemes in 9 units: one over, however the units count.
    expect(roomLengthRefusal('ab🇯🇵\r\n', settings)?.details).toEqual({ maxLength: 3, length: 4 });
  });
});
