import {
  DEFAULT_ROOM_SETTINGS,
  type Danmaku,
  type DanmakuAccepted,
  type DanmakuRejected,
  type DanmakuSubmitted,
} from '@danmaku/contracts';
import { MetricsService } from '@danmaku/platform';
import type { BlockedTermsRepository } from '../blocked-terms/blocked-terms.repository';
import { FilterTermMatcher } from '../blocked-terms/filter-term.matcher';
import { TermSetCache } from '../blocked-terms/term-set.cache';
import type { Clock } from '../common/clock';
import type { DecisionEventsRepository } from '../messaging/decision-events.repository';
import type { BatchSnapshot, DecisionContextCache, RoomSnapshot } from './decision-context.cache';
import { DecisionPolicy } from './decision-policy.service';
import type { DecisionStoreRepository } from './decision-store.repository';
import type { RecentBufferRepository } from './recent-buffer.repository';
import { DecisionMetrics } from './decision.metrics';
import { DecisionService } from './decision.service';
import type { DecisionRequest, RecordOutcome, StoredDecision } from './decision.types';

const NOW = 1_700_000_100_000;

/**
 * Stands in for the Redis script: first decision wins, accepted ones get the next room seq
 * and go into the recent buffer (`recent`) in the same call.
 */
class FakeStore {
  decisions = new Map<string, StoredDecision>();
  seqs = new Map<string, number>();
  requests: DecisionRequest[] = [];
  /** The scopes' current context tokens ('' = never written), as the script compares them. */
  tokens = new Map<string, string>();
  siteToken = '';
  constructor(private readonly recent: Danmaku[]) {}
  async record(requests: DecisionRequest[], siteToken: string): Promise<RecordOutcome[]> {
    return requests.map((r): RecordOutcome => {
      this.requests.push(r);
      const existing = this.decisions.get(r.id);
      if (existing) return { decision: existing, fresh: false };
      if (siteToken !== this.siteToken) return { stale: 'site' };
      if (r.contextToken !== (this.tokens.get(r.roomId) ?? '')) return { stale: 'room' };
      let decision: StoredDecision;
      if (r.rejectNow) decision = r.rejectNow;
      else {
        const seq = (this.seqs.get(r.roomId) ?? 0) + 1;
        this.seqs.set(r.roomId, seq);
        decision = { ...r.ifAccepted, seq };
        this.recent.push(JSON.parse(`${r.recent.head}${seq}${r.recent.tail}`) as Danmaku);
      }
      this.decisions.set(r.id, decision);
      return { decision, fresh: true };
    });
  }
}

class FakeEvents {
  accepted: DanmakuAccepted[] = [];
  rejected: DanmakuRejected[] = [];
  failNext = false;
  async publish(a: DanmakuAccepted[], r: DanmakuRejected[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('kafka away');
    }
    this.accepted.push(...a);
    this.rejected.push(...r);
  }
}

class FakeContext {
  rooms = new Map<string, Partial<RoomSnapshot>>();
  siteTermsVersion = '0';
  siteToken = '';
  invalidated: { rooms: string[]; site: boolean }[] = [];
  async snapshot(senders: Map<string, string[]>): Promise<BatchSnapshot> {
    const rooms = new Map<string, RoomSnapshot>();
    for (const roomId of senders.keys()) {
      rooms.set(roomId, {
        token: '',
        settings: DEFAULT_ROOM_SETTINGS,
        live: null,
        lastEnded: null,
        termsVersion: '0',
        bans: new Map(),
        mutes: new Map(),
        ...this.rooms.get(roomId),
      });
    }
    return { rooms, siteBans: new Map(), siteTermsVersion: this.siteTermsVersion, siteToken: this.siteToken };
  }
  invalidate(rooms: Iterable<string>, site: boolean): void {
    this.invalidated.push({ rooms: [...rooms], site });
  }
}

class FakeTerms {
  terms = new Map<string, { version: string; terms: string[] }>();
  reads = 0;
  async termsWithVersion(roomId: string | null) {
    this.reads++;
    return this.terms.get(roomId ?? '') ?? { version: '0', terms: [] };
  }
}

let seqId = 0;
function submission(roomId: string, text: string, over: Partial<DanmakuSubmitted> = {}): DanmakuSubmitted {
  seqId++;
  return {
    id: `id-${seqId}`,
    roomId,
    userId: 'u1',
    nickname: 'Nick',
    text,
    mode: 'top',
    color: '#ff0000',
    size: 'large',
    nonce: `n-${seqId}`,
    sentAt: NOW - 100,
    origin: { instanceId: 'gw-1', socketId: 'sock-1' },
    ...over,
  };
}

function setup() {
  const recent: Danmaku[] = [];
  const appended: Danmaku[][] = [];
  const store = new FakeStore(recent);
  const events = new FakeEvents();
  const context = new FakeContext();
  const termsRepo = new FakeTerms();
  const matcher = new FilterTermMatcher();
  const clock = { now: () => NOW } as Clock;
  const recentRepo = {
    append: async (items: Danmaku[]) => {
      appended.push(items);
    },
  };
  const service = new DecisionService(
    context as unknown as DecisionContextCache,
    store as unknown as DecisionStoreRepository,
    recentRepo as unknown as RecentBufferRepository,
    events as unknown as DecisionEventsRepository,
    new TermSetCache(matcher, termsRepo as unknown as BlockedTermsRepository),
    new DecisionPolicy({ floodMax: 10, floodWindowMs: 10_000, duplicateWindowMs: 30_000 }),
    matcher,
    clock,
    new DecisionMetrics(new MetricsService()),
  );
  return { service, store, events, context, termsRepo, recent, appended };
}

describe('DecisionService', () => {
  it('publishes accepted danmaku built from the submission, with the room seq and live session', async () => {
    const { service, events, context } = setup();
    context.rooms.set('r1', { live: { sessionId: 'live-1', startedAt: NOW - 10_000 } });
    const a = submission('r1', 'first');
    const b = submission('r1', 'second', { nonce: undefined });
    const c = submission('r2', 'other room');
    await service.decideBatch([a, b, c]);
    expect(events.accepted).toEqual([
      {
        danmaku: {
          id: a.id,
          roomId: 'r1',
          seq: 1,
          userId: 'u1',
          nickname: 'Nick',
          text: 'first',
          mode: 'top',
          color: '#ff0000',
          size: 'large',
          sentAt: a.sentAt,
          sessionId: 'live-1',
          offsetMs: 9_900,
        },
        origin: a.origin,
        nonce: a.nonce,
        decidedAt: NOW,
      },
      expect.objectContaining({ danmaku: expect.objectContaining({ id: b.id, seq: 2 }) }),
      expect.objectContaining({
        danmaku: expect.objectContaining({ id: c.id, seq: 1, sessionId: null, offsetMs: null }),
      }),
    ]);
    expect('nonce' in events.accepted[1]).toBe(false);
    expect(events.rejected).toEqual([]);
  });

  it('rejects blocked terms and closed rooms, telling the sender through the origin', async () => {
    const { service, events, context, termsRepo } = setup();
    context.rooms.set('r1', { termsVersion: '3' });
    termsRepo.terms.set('r1', { version: '3', terms: ['spoiler'] });
    context.rooms.set('closed', { settings: { ...DEFAULT_ROOM_SETTINGS, closed: true } });
    const bad = submission('r1', 'big SPOILER ahead');
    const shut = submission('closed', 'hello');
    const fine = submission('r1', 'fine');
    await service.decideBatch([bad, shut, fine]);
    expect(events.rejected).toEqual([
      {
        id: bad.id,
        roomId: 'r1',
        userId: 'u1',
        nonce: bad.nonce,
        code: 'BLOCKED_TERM',
        reason: expect.any(String),
        origin: bad.origin,
        decidedAt: NOW,
      },
      expect.objectContaining({ id: shut.id, code: 'ROOM_CLOSED' }),
    ]);
    expect(events.accepted.map((e) => [e.danmaku.id, e.danmaku.seq])).toEqual([[fine.id, 1]]);
  });

  it('hands rate rules and their rejections to the store with the room settings', async () => {
    const { service, store, context } = setup();
    context.rooms.set('r1', { settings: { ...DEFAULT_ROOM_SETTINGS, slowModeSec: 5, uniqueChat: true } });
    const s = submission('r1', 'Same Text');
    const t = submission('r1', 'ｓａｍｅ text');
    await service.decideBatch([s, t]);
    const [r1, r2] = store.requests;
    expect(r1.rules).toEqual({
      slowModeMs: 5000,
      duplicateWindowMs: 30_000,
      floodMax: 10,
      floodWindowMs: 10_000,
    });
    expect([r1.ifFlood.code, r1.ifSlowMode.code, r1.ifDuplicate.code]).toEqual([
      'FLOOD',
      'SLOW_MODE',
      'DUPLICATE',
    ]);
    // Duplicates are found on the normalized text.
    expect(r1.textHash).toBe(r2.textHash);
    expect(r1.rejectNow).toBeNull();
  });

  it('answers a redelivered batch with the same decisions and seqs', async () => {
    const { service, events } = setup();
    const batch = [submission('r1', 'one'), submission('r1', 'two')];
    await service.decideBatch(batch);
    await service.decideBatch(batch);
    await service.decideBatch([submission('r1', 'three')]);
    expect(events.accepted.map((e) => e.danmaku.seq)).toEqual([1, 2, 1, 2, 3]);
  });

  it('publishes a submission repeated inside one batch once', async () => {
    const { service, events } = setup();
    const a = submission('r1', 'one');
    await service.decideBatch([a, a, submission('r1', 'two')]);
    expect(events.accepted.map((e) => [e.danmaku.id, e.danmaku.seq])).toEqual([
      [a.id, 1],
      [expect.any(String), 2],
    ]);
  });

  it('fails the batch when publishing fails, and a retry publishes the same seqs', async () => {
    const { service, events } = setup();
    const batch = [submission('r1', 'one'), submission('r1', 'two')];
    events.failNext = true;
    await expect(service.decideBatch(batch)).rejects.toThrow('kafka away');
    await service.decideBatch(batch);
    expect(events.accepted.map((e) => e.danmaku.seq)).toEqual([1, 2]);
  });

  it("reads a scope's terms again only when its version changes", async () => {
    const { service, context, termsRepo, events } = setup();
    context.siteTermsVersion = '1';
    termsRepo.terms.set('', { version: '1', terms: ['alpha'] });
    await service.decideBatch([submission('r1', 'ALPHA')]);
    await service.decideBatch([submission('r1', 'beta')]);
    expect(termsRepo.reads).toBe(1);
    context.siteTermsVersion = '2';
    termsRepo.terms.set('', { version: '2', terms: ['alpha', 'beta'] });
    await service.decideBatch([submission('r1', 'beta')]);
    expect(termsRepo.reads).toBe(2);
    expect(events.rejected.map((r) => r.code)).toEqual(['BLOCKED_TERM', 'BLOCKED_TERM']);
    expect(events.accepted).toHaveLength(1);
  });

  it('puts accepted danmaku in the recent buffer before publishing them (a failed publish still finds them there)', async () => {
    const { service, events, recent } = setup();
    events.failNext = true;
    await expect(service.decideBatch([submission('r1', 'hello'), submission('r1', 'world')])).rejects.toThrow(
      'kafka away',
    );
    expect(recent.map((d) => [d.text, d.seq])).toEqual([
      ['hello', 1],
      ['world', 2],
    ]);
    expect(events.accepted).toEqual([]);
  });

  it('buffers each fresh danmaku exactly as it publishes it, and appends redelivered ones again with their stored seq', async () => {
    const { service, events, recent, appended, context } = setup();
    context.rooms.set('r1', { live: { sessionId: 's-1', startedAt: NOW - 1000 } as never });
    const subs = [submission('r1', 'say "seq":-1 twice'), submission('r1', 'ok')];
    events.failNext = true;
    await expect(service.decideBatch(subs)).rejects.toThrow('kafka away');
    expect(appended).toEqual([]); // fresh ones were buffered by the decision script itself
    await service.decideBatch(subs); // the redelivery after the failed publish
    expect(recent).toEqual(events.accepted.map((a) => a.danmaku));
    expect(recent[0]).toMatchObject({ text: 'say "seq":-1 twice', seq: 1, sessionId: 's-1', offsetMs: 900 });
    expect(appended).toEqual([events.accepted.map((a) => a.danmaku)]);
  });
  it("evaluates a message again when its room context changed under it, with the room's later messages", async () => {
    const { service, store, events, context } = setup();
    // The cache still holds the room as it was (token '', no ban); Redis has moved on: the
    // sender was banned (token 't2').
    store.tokens.set('r1', 't2');
    const a = submission('r1', 'first');
    const b = submission('r1', 'second');
    const other = submission('r2', 'elsewhere');
    let reads = 0;
    const snapshot = context.snapshot.bind(context);
    context.snapshot = async (senders) => {
      reads++;
      // The second read sees what the ban wrote.
      if (reads === 2)
        context.rooms.set('r1', {
          token: 't2',
          bans: new Map([
            ['u1', { userId: 'u1', roomId: 'r1', until: null, reason: null, createdAt: 1, createdBy: 'm' }],
          ]),
        });
      return snapshot(senders);
    };
    await service.decideBatch([a, other, b]);
    expect(context.invalidated).toEqual([{ rooms: ['r1'], site: false }]);
    // Only the stale room's messages went round again, in order.
    expect(store.requests.map((r) => r.id)).toEqual([a.id, other.id, b.id, a.id, b.id]);
    expect(events.rejected.map((r) => [r.id, r.code])).toEqual([
      [a.id, 'BANNED'],
      [b.id, 'BANNED'],
    ]);
    expect(events.accepted.map((x) => x.danmaku.id)).toEqual([other.id]);
  });

  it('evaluates the whole batch again when the site context changed, and gives up after a few rounds', async () => {
    const { service, store, context, events } = setup();
    store.siteToken = 's2';
    let reads = 0;
    const snapshot = context.snapshot.bind(context);
    context.snapshot = async (senders) => {
      if (++reads === 2) context.siteToken = 's2';
      return snapshot(senders);
    };
    const subs = [submission('r1', 'one'), submission('r2', 'two')];
    await service.decideBatch(subs);
    expect(context.invalidated).toEqual([{ rooms: [], site: true }]);
    expect(events.accepted.map((x) => x.danmaku.id)).toEqual(subs.map((x) => x.id));

    // A context that never settles fails the batch (the consumer retries it with backoff).
    context.snapshot = snapshot;
    context.siteToken = 'old';
    await expect(service.decideBatch([submission('r3', 'three')])).rejects.toThrow(/context changed 5 times/);
  });
});
