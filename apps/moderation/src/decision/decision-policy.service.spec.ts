import { DEFAULT_ROOM_SETTINGS, type SanctionView } from '@danmaku/contracts';
import { FilterTermMatcher } from '../blocked-terms/filter-term.matcher';
import { EMPTY_TERMS } from '../blocked-terms/term-matcher';
import { DecisionPolicy } from './decision-policy.service';
import type { RoomContext } from './decision.types';

const NOW = 1_700_000_000_000;
const matcher = new FilterTermMatcher();
const policy = new DecisionPolicy({ floodMax: 5, floodWindowMs: 10_000, duplicateWindowMs: 30_000 });

function room(over: Partial<RoomContext> = {}): RoomContext {
  return {
    settings: DEFAULT_ROOM_SETTINGS,
    live: null,
    lastEnded: null,
    bans: new Map(),
    mutes: new Map(),
    roomTerms: EMPTY_TERMS,
    ...over,
  };
}
const noSite = { bans: new Map<string, SanctionView>(), terms: EMPTY_TERMS };
const sub = (text = 'hello', userId = 'u1') => ({ userId, text, sentAt: NOW - 50 });
const sanction = (userId: string, until: number | null, roomId: string | null = 'r1'): SanctionView => ({
  userId,
  roomId,
  until,
  reason: null,
  createdAt: NOW - 1000,
  createdBy: 'admin',
});

describe('DecisionPolicy.staticRejection', () => {
  it('accepts an ordinary message', () => {
    expect(policy.staticRejection(sub(), room(), noSite, NOW)).toBeNull();
  });

  it('refuses everything in a closed room with ROOM_CLOSED', () => {
    const r = policy.staticRejection(
      sub(),
      room({ settings: { ...DEFAULT_ROOM_SETTINGS, closed: true } }),
      noSite,
      NOW,
    );
    expect(r).toEqual({ code: 'ROOM_CLOSED', reason: expect.any(String) });
  });

  it('refuses room and site-wide blocked terms with BLOCKED_TERM, without echoing the term', () => {
    const roomTerms = matcher.compile(['badword']);
    const r1 = policy.staticRejection(sub('a BADWORD here'), room({ roomTerms }), noSite, NOW);
    expect(r1?.code).toBe('BLOCKED_TERM');
    expect(r1?.reason).not.toMatch(/badword/i);
    const site = { bans: new Map<string, SanctionView>(), terms: matcher.compile(['ｓｉｔｅｔｅｒｍ']) };
    expect(policy.staticRejection(sub('SiteTerm!'), room(), site, NOW)?.code).toBe('BLOCKED_TERM');
    expect(policy.staticRejection(sub('clean'), room({ roomTerms }), site, NOW)).toBeNull();
  });

  it('refuses banned senders (site-wide before room) and muted ones, while the sanction lasts', () => {
    const siteBans = new Map([['u1', sanction('u1', null, null)]]);
    expect(policy.staticRejection(sub(), room(), { ...noSite, bans: siteBans }, NOW)).toEqual({
      code: 'BANNED',
      reason: 'You are banned from this room',
    });
    const bans = new Map([['u1', sanction('u1', NOW + 60_000)]]);
    const banned = policy.staticRejection(sub(), room({ bans }), noSite, NOW);
    expect(banned?.code).toBe('BANNED');
    expect(banned?.reason).toContain(new Date(NOW + 60_000).toISOString());
    const mutes = new Map([['u1', sanction('u1', NOW + 1)]]);
    expect(policy.staticRejection(sub(), room({ mutes }), noSite, NOW)?.code).toBe('MUTED');
    // Other users are unaffected; expired sanctions are ignored.
    expect(policy.staticRejection(sub('hi', 'u2'), room({ bans, mutes }), noSite, NOW)).toBeNull();
    const expired = new Map([['u1', sanction('u1', NOW)]]);
    expect(policy.staticRejection(sub(), room({ bans: expired, mutes: expired }), noSite, NOW)).toBeNull();
  });

  it('gives the weightiest reason when several rules apply', () => {
    const all = room({
      settings: { ...DEFAULT_ROOM_SETTINGS, closed: true },
      bans: new Map([['u1', sanction('u1', null)]]),
      mutes: new Map([['u1', sanction('u1', NOW + 1000)]]),
      roomTerms: matcher.compile(['hello']),
    });
    expect(policy.staticRejection(sub(), all, noSite, NOW)?.code).toBe('BANNED');
    all.bans.clear();
    expect(policy.staticRejection(sub(), all, noSite, NOW)?.code).toBe('MUTED');
    all.mutes.clear();
    expect(policy.staticRejection(sub(), all, noSite, NOW)?.code).toBe('ROOM_CLOSED');
    all.settings = { ...all.settings, closed: false, maxLength: 3 };
    expect(policy.staticRejection(sub(), all, noSite, NOW)?.code).toBe('TOO_LONG');
    all.settings = { ...all.settings, maxLength: 100 };
    expect(policy.staticRejection(sub(), all, noSite, NOW)?.code).toBe('BLOCKED_TERM');
  });

  it("enforces the length bounds itself: the room's maxLength (it may have shrunk since the gateway checked), bytes and marks", () => {
    const short = room({ settings: { ...DEFAULT_ROOM_SETTINGS, maxLength: 5 } });
    expect(policy.staticRejection(sub('弹幕弹幕弹'), short, noSite, NOW)).toBeNull();
    expect(policy.staticRejection(sub('👍🏽👍🏽👍🏽👍🏽👍🏽'), short, noSite, NOW)).toBeNull();
    expect(policy.staticRejection(sub('弹幕弹幕弹幕'), short, noSite, NOW)).toEqual({
      code: 'TOO_LONG',
      reason: 'Text is 6 characters; the room allows 5',
    });
    const wide = room({ settings: { ...DEFAULT_ROOM_SETTINGS, maxLength: 500 } });
    // 500 graphemes, each an emoji ZWJ family of 18 bytes: within maxLength, over the byte bound.
    expect(policy.staticRejection(sub('👨‍👩‍👧'.repeat(500)), wide, noSite, NOW)?.code).toBe('TOO_LONG');
    expect(policy.staticRejection(sub('Z' + '\u0351'.repeat(7)), wide, noSite, NOW)?.code).toBe(
      'TOO_MANY_MARKS',
    );
  });
});

describe('DecisionPolicy.rateRules', () => {
  it('turns room settings into the script limits', () => {
    expect(policy.rateRules(DEFAULT_ROOM_SETTINGS)).toEqual({
      slowModeMs: 0,
      duplicateWindowMs: 0,
      floodMax: 5,
      floodWindowMs: 10_000,
    });
    expect(policy.rateRules({ ...DEFAULT_ROOM_SETTINGS, slowModeSec: 3, uniqueChat: true })).toMatchObject({
      slowModeMs: 3000,
      duplicateWindowMs: 30_000,
    });
    const rej = policy.rateRejections({ ...DEFAULT_ROOM_SETTINGS, slowModeSec: 3 });
    expect([rej.flood.code, rej.slowMode.code, rej.duplicate.code]).toEqual([
      'FLOOD',
      'SLOW_MODE',
      'DUPLICATE',
    ]);
    expect(rej.slowMode.reason).toContain('3 s');
  });
});

describe('DecisionPolicy.sessionAt', () => {
  const live = { sessionId: 's2', startedAt: 10_000 };
  const lastEnded = { sessionId: 's1', startedAt: 1_000, endedAt: 5_000 };

  it('uses the live session when it had started by sentAt', () => {
    expect(policy.sessionAt(12_500, live, lastEnded)).toEqual({ sessionId: 's2', offsetMs: 2_500 });
    expect(policy.sessionAt(10_000, live, null)).toEqual({ sessionId: 's2', offsetMs: 0 });
  });

  it('uses the last ended session for a message sent before it ended', () => {
    expect(policy.sessionAt(4_999, live, lastEnded)).toEqual({ sessionId: 's1', offsetMs: 3_999 });
    expect(policy.sessionAt(4_000, null, lastEnded)).toEqual({ sessionId: 's1', offsetMs: 3_000 });
  });

  it('is null when no session was live at sentAt', () => {
    expect(policy.sessionAt(9_999, live, lastEnded)).toEqual({ sessionId: null, offsetMs: null });
    expect(policy.sessionAt(5_000, null, lastEnded)).toEqual({ sessionId: null, offsetMs: null });
    expect(policy.sessionAt(500, null, lastEnded)).toEqual({ sessionId: null, offsetMs: null });
    expect(policy.sessionAt(500, null, null)).toEqual({ sessionId: null, offsetMs: null });
  });
});
