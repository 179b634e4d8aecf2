import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { DanmakuSubmitted, SanctionView } from '@danmaku/contracts';
import { MetricsService, createRedisClient } from '@danmaku/platform';
import { dropNamespace, testInfra, uniqueId } from '@danmaku/testing';
import { BlockedTermsRepository } from '../src/blocked-terms/blocked-terms.repository';
import { FilterTermMatcher } from '../src/blocked-terms/filter-term.matcher';
import { TermSetCache } from '../src/blocked-terms/term-set.cache';
import { Clock } from '../src/common/clock';
import { modKeys } from '../src/common/moderation-keys';
import { loadModerationConfig } from '../src/config/moderation.config';
import { DecisionContextCache } from '../src/decision/decision-context.cache';
import { DecisionContextRepository } from '../src/decision/decision-context.repository';
import { DecisionPolicy } from '../src/decision/decision-policy.service';
import { DecisionStoreRepository } from '../src/decision/decision-store.repository';
import { DecisionMetrics } from '../src/decision/decision.metrics';
import { DecisionService } from '../src/decision/decision.service';
import { RecentBufferRepository } from '../src/decision/recent-buffer.repository';
import type { DecisionEventsRepository } from '../src/messaging/decision-events.repository';
import { RoomStateRepository } from '../src/rooms/room-state.repository';
import { SanctionsRepository } from '../src/sanctions/sanctions.repository';

/**
 * The cached decision context against a real Redis: every write of what decisions read
 * replaces its scope's context token, and a decision never uses a context older than the
 * last such write (the decision script checks the token in the step that decides).
 */
describe('decision context cache (real Redis)', () => {
  const namespace = uniqueId('it-decision-context').toLowerCase();
  let redis: Redis;
  let reads: number;
  let service: DecisionService;
  let sanctions: SanctionsRepository;
  let rooms: RoomStateRepository;
  let terms: BlockedTermsRepository;
  let store: DecisionStoreRepository;
  let published: { accepted: string[]; rejected: [string, string][] };

  beforeAll(() => {
    redis = createRedisClient({ url: testInfra().redisUrl, namespace, name: 'decision-context-it' });
    const config = loadModerationConfig({});
    const repo = new DecisionContextRepository(redis);
    const read = repo.read.bind(repo);
    repo.read = (...args) => {
      reads++;
      return read(...args);
    };
    const matcher = new FilterTermMatcher();
    terms = new BlockedTermsRepository(redis);
    sanctions = new SanctionsRepository(redis);
    rooms = new RoomStateRepository(redis);
    store = new DecisionStoreRepository(redis, config);
    const events = {
      publish: async (accepted: { danmaku: { id: string } }[], rejected: { id: string; code: string }[]) => {
        published.accepted.push(...accepted.map((a) => a.danmaku.id));
        published.rejected.push(...rejected.map((r): [string, string] => [r.id, r.code]));
      },
    };
    service = new DecisionService(
      new DecisionContextCache(repo, new Clock()),
      store,
      new RecentBufferRepository(redis, config),
      events as unknown as DecisionEventsRepository,
      new TermSetCache(matcher, terms),
      new DecisionPolicy({ floodMax: 0, floodWindowMs: 10_000, duplicateWindowMs: 0 }),
      matcher,
      new Clock(),
      new DecisionMetrics(new MetricsService()),
    );
  });

  beforeEach(() => {
    reads = 0;
    published = { accepted: [], rejected: [] };
  });

  afterAll(async () => {
    redis.disconnect();
    await dropNamespace(namespace);
  });

  const submission = (roomId: string, userId: string, text = 'hello'): DanmakuSubmitted => ({
    id: randomUUID(),
    roomId,
    userId,
    nickname: 'Viewer',
    text,
    mode: 'scroll',
    color: '#ffffff',
    size: 'medium',
    sentAt: Date.now(),
    origin: { instanceId: 'gw-it', socketId: 'sock-it' },
  });
  const ban = (roomId: string | null, userId: string): SanctionView => ({
    userId,
    roomId,
    until: null,
    reason: null,
    createdAt: Date.now(),
    createdBy: 'mod',
  });
  const token = async (roomId: string | null) => (await redis.get(modKeys.context(roomId))) ?? '';

  it('decides a known room and sender without reading its context again', async () => {
    const room = uniqueId('r');
    await service.decideBatch([submission(room, 'u1')]);
    expect(reads).toBe(1);
    await service.decideBatch([submission(room, 'u1'), submission(room, 'u1')]);
    expect(reads).toBe(1);
    // A sender not seen in the room yet: its sanctions are read (one round trip for the batch).
    await service.decideBatch([submission(room, 'u2'), submission(room, 'u1')]);
    expect(reads).toBe(2);
    expect(published.accepted).toHaveLength(5);
  });

  it('never lets a cached context outlive a ban, an unban, a mute or a settings change', async () => {
    const room = uniqueId('r');
    const first = submission(room, 'u1');
    await service.decideBatch([first]);
    await sanctions.put('ban', ban(room, 'u1'));
    const banned = submission(room, 'u1');
    await service.decideBatch([banned]);
    await sanctions.remove('ban', room, 'u1');
    const unbanned = submission(room, 'u1');
    await service.decideBatch([unbanned]);
    await sanctions.put('mute', { ...ban(room, 'u1'), until: Date.now() + 60_000 });
    const muted = submission(room, 'u1');
    await service.decideBatch([muted]);
    await sanctions.remove('mute', room, 'u1');
    await rooms.patchSettings(room, { closed: true });
    const closed = submission(room, 'u1');
    await service.decideBatch([closed]);
    expect(published.accepted).toEqual([first.id, unbanned.id]);
    expect(published.rejected).toEqual([
      [banned.id, 'BANNED'],
      [muted.id, 'MUTED'],
      [closed.id, 'ROOM_CLOSED'],
    ]);
  });

  it('never lets a cached site context outlive a site ban or a site term', async () => {
    const room = uniqueId('r');
    const user = uniqueId('u');
    await service.decideBatch([submission(room, user)]);
    await sanctions.put('ban', ban(null, user));
    const banned = submission(room, user);
    await service.decideBatch([banned]);
    await sanctions.remove('ban', null, user);
    const word = `sitebad${uniqueId('w').replace(/[^a-z0-9]/g, '')}`;
    await terms.add(
      null,
      { termId: randomUUID(), term: word, createdAt: Date.now(), createdBy: 'mod' },
      word,
    );
    const blocked = submission(room, user, `say ${word}`);
    await service.decideBatch([blocked]);
    expect(published.rejected).toEqual([
      [banned.id, 'BANNED'],
      [blocked.id, 'BLOCKED_TERM'],
    ]);
  });

  it('keeps no compiled term set across a Redis that lost the scope and got new terms', async () => {
    const room = uniqueId('r');
    const word = (w: string) => `${w}${uniqueId('w').replace(/[^a-z0-9]/g, '')}`;
    const [before, after] = [word('before'), word('after')];
    const add = (term: string) =>
      terms.add(room, { termId: randomUUID(), term, createdAt: Date.now(), createdBy: 'mod' }, term);
    await add(before);
    const first = submission(room, 'u1', `say ${before}`);
    await service.decideBatch([first]);
    // Redis loses the room's terms, their version and its context token (a wipe, a failover
    // without persistence), then a moderator adds another term.
    await redis.del(
      modKeys.terms(room),
      modKeys.termIndex(room),
      modKeys.termsVersion(room),
      modKeys.context(room),
    );
    await add(after);
    const old = submission(room, 'u1', `say ${before}`);
    const fresh = submission(room, 'u1', `say ${after}`);
    await service.decideBatch([old, fresh]);
    expect(published.rejected).toEqual([
      [first.id, 'BLOCKED_TERM'],
      [fresh.id, 'BLOCKED_TERM'],
    ]);
    expect(published.accepted).toEqual([old.id]);
  });

  it('stamps the session that a start or an end made live, at once', async () => {
    const room = uniqueId('r');
    await service.decideBatch([submission(room, 'u1')]);
    const session = { sessionId: randomUUID(), startedAt: Date.now() - 1000 };
    expect((await rooms.startSession(room, session)).started).toBe(true);
    const during = submission(room, 'u1');
    const [a] = (await service.decideBatch([during])).accepted;
    expect(a.danmaku.sessionId).toBe(session.sessionId);
    await rooms.endSession(room, Date.now() - 500);
    const [b] = (await service.decideBatch([submission(room, 'u1')])).accepted;
    expect(b.danmaku.sessionId).toBeNull();
  });

  it('replaces the scope token with every write decisions read, and only then', async () => {
    const room = uniqueId('r');
    const changes: [string, string | null, () => Promise<unknown>][] = [
      ['room ban', room, () => sanctions.put('ban', ban(room, 'x'))],
      ['room unban', room, () => sanctions.remove('ban', room, 'x')],
      ['mute', room, () => sanctions.put('mute', ban(room, 'x'))],
      ['unmute', room, () => sanctions.remove('mute', room, 'x')],
      ['site ban', null, () => sanctions.put('ban', ban(null, 'x'))],
      ['site unban', null, () => sanctions.remove('ban', null, 'x')],
      ['settings', room, () => rooms.patchSettings(room, { slowModeSec: 3 })],
      [
        'session start',
        room,
        () => rooms.startSession(room, { sessionId: randomUUID(), startedAt: Date.now() }),
      ],
      ['session end', room, () => rooms.endSession(room, Date.now())],
      [
        'room term',
        room,
        () => terms.add(room, { termId: 't1', term: 'nope', createdAt: 1, createdBy: 'm' }, 'nope'),
      ],
      ['room term removed', room, () => terms.remove(room, 't1')],
      [
        'site term',
        null,
        () => terms.add(null, { termId: 't2', term: 'nah', createdAt: 1, createdBy: 'm' }, 'nah'),
      ],
      ['site term removed', null, () => terms.remove(null, 't2')],
    ];
    for (const [what, scope, write] of changes) {
      const before = await token(scope);
      await write();
      const after = await token(scope);
      expect({ what, changed: after !== before && after !== '' }).toEqual({ what, changed: true });
    }
    // Writes that change nothing leave the token: a term already there, a session already live.
    await terms.add(room, { termId: 't3', term: 'same', createdAt: 1, createdBy: 'm' }, 'same');
    await rooms.startSession(room, { sessionId: randomUUID(), startedAt: Date.now() });
    const settled = await token(room);
    await terms.add(room, { termId: 't4', term: 'same', createdAt: 1, createdBy: 'm' }, 'same');
    await rooms.startSession(room, { sessionId: randomUUID(), startedAt: Date.now() });
    await terms.remove(room, 'no-such-term');
    expect(await token(room)).toBe(settled);
  });

  it('has the decision script refuse a stale token without writing anything', async () => {
    const room = uniqueId('r');
    await redis.set(modKeys.context(room), 'current');
    const request = (contextToken: string) => ({
      id: randomUUID(),
      roomId: room,
      userId: 'u1',
      sentAt: Date.now(),
      textHash: '',
      rejectNow: null,
      ifAccepted: { outcome: 'accepted' as const, sessionId: null, offsetMs: null, decidedAt: Date.now() },
      rules: { slowModeMs: 0, duplicateWindowMs: 0, floodMax: 0, floodWindowMs: 10_000 },
      ifFlood: { outcome: 'rejected' as const, code: 'FLOOD' as const, reason: 'x', decidedAt: 1 },
      ifSlowMode: { outcome: 'rejected' as const, code: 'SLOW_MODE' as const, reason: 'x', decidedAt: 1 },
      ifDuplicate: { outcome: 'rejected' as const, code: 'DUPLICATE' as const, reason: 'x', decidedAt: 1 },
      recent: { head: '{"seq":', tail: '}' },
      contextToken,
    });
    const stale = request('older');
    const siteNow = await token(null);
    expect(await store.record([stale], siteNow)).toEqual([{ stale: 'room' }]);
    expect(await redis.exists(modKeys.decision(stale.id), modKeys.roomSeq(room))).toBe(0);
    expect(await store.record([stale], `${siteNow}-older`)).toEqual([{ stale: 'site' }]);
    const [decided] = await store.record([stale, request('current')].slice(1), siteNow);
    expect(decided).toMatchObject({ fresh: true, decision: { outcome: 'accepted', seq: 1 } });
  });
});
