import { DEFAULT_ROOM_SETTINGS } from '@danmaku/contracts';
import type { Clock } from '../common/clock';
import { CONTEXT_MAX_AGE_MS, DecisionContextCache } from './decision-context.cache';
import type { DecisionContextRepository, RoomRead, SiteRead } from './decision-context.repository';

/** Answers reads from a token per scope and records what was asked. */
class FakeRepo {
  tokens = new Map<string, string>();
  calls: { rooms: Record<string, string[]>; site: string[] | null }[] = [];
  async read(rooms: Map<string, string[]>, siteUsers: string[] | null) {
    this.calls.push({ rooms: Object.fromEntries(rooms), site: siteUsers });
    const out = new Map<string, RoomRead>();
    for (const [roomId, users] of rooms) {
      out.set(roomId, {
        token: this.tokens.get(roomId) ?? '',
        settings: DEFAULT_ROOM_SETTINGS,
        live: null,
        lastEnded: null,
        termsVersion: '0',
        users: new Map(users.map((u) => [u, { ban: null, mute: null }])),
      });
    }
    const site: SiteRead | null =
      siteUsers === null
        ? null
        : {
            token: this.tokens.get('') ?? '',
            termsVersion: '0',
            bans: new Map(siteUsers.map((u) => [u, null])),
          };
    return { rooms: out, site };
  }
}

function setup() {
  const repo = new FakeRepo();
  let now = 1_000_000;
  const clock = { now: () => now } as Clock;
  const cache = new DecisionContextCache(repo as unknown as DecisionContextRepository, clock);
  return { repo, cache, advance: (ms: number) => (now += ms) };
}

const senders = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

describe('DecisionContextCache', () => {
  it('reads a scope once, then again only for new senders, after invalidate, or once it is old', async () => {
    const { repo, cache, advance } = setup();
    await cache.snapshot(senders({ r1: ['a'], r2: ['b'] }));
    expect(repo.calls).toEqual([{ rooms: { r1: ['a'], r2: ['b'] }, site: ['a', 'b'] }]);
    await cache.snapshot(senders({ r1: ['a'], r2: ['b'] }));
    expect(repo.calls).toHaveLength(1);
    // A new sender in r1: r1 and the site are read for the batch's senders; r2 is not.
    await cache.snapshot(senders({ r1: ['a', 'c'], r2: ['b'] }));
    expect(repo.calls[1]).toEqual({ rooms: { r1: ['a', 'c'] }, site: ['a', 'c', 'b'] });
    cache.invalidate(['r2'], false);
    await cache.snapshot(senders({ r1: ['a'], r2: ['b'] }));
    expect(repo.calls[2]).toEqual({ rooms: { r2: ['b'] }, site: null });
    cache.invalidate([], true);
    await cache.snapshot(senders({ r1: ['a'] }));
    expect(repo.calls[3]).toEqual({ rooms: {}, site: ['a'] });
    advance(CONTEXT_MAX_AGE_MS + 1);
    await cache.snapshot(senders({ r1: ['a'] }));
    expect(repo.calls[4]).toEqual({ rooms: { r1: ['a'] }, site: ['a'] });
    expect(repo.calls).toHaveLength(5);
  });

  it("hands out each scope's token, and forgets the senders of a scope whose token moved", async () => {
    const { repo, cache } = setup();
    repo.tokens.set('r1', 't1');
    repo.tokens.set('', 's1');
    const first = await cache.snapshot(senders({ r1: ['a'] }));
    expect(first.rooms.get('r1')?.token).toBe('t1');
    expect(first.siteToken).toBe('s1');
    // Read again for a new sender under a new token: the old senders are not carried over.
    repo.tokens.set('r1', 't2');
    await cache.snapshot(senders({ r1: ['b'] }));
    await cache.snapshot(senders({ r1: ['a'] }));
    expect(repo.calls.map((c) => c.rooms['r1'])).toEqual([['a'], ['b'], ['a']]);
  });
});
