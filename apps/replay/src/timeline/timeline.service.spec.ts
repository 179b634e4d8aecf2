import type { Danmaku, Page } from '@danmaku/contracts';
import { parsePageJson, type PageJson } from './page-json';
import { DomainException } from '@danmaku/platform';
import { indexesOf } from '../store/replay-keys';
import type { ReplayStoreRepository, SessionState, TimelineRead } from '../store/replay-store.repository';
import { TimelineService } from './timeline.service';

/** In-memory stand-in for the store's page reads, with ZRANGEBYLEX semantics. */
class FakeStore {
  readonly bodies = new Map<string, string>();
  readonly room: string[] = [];
  readonly session: string[] = [];
  sessionKnown = true;
  endedAt: number | null = null;
  version: string | null = '3';
  stateReads = 0;
  pageReads = 0;

  async readSessionState(): Promise<SessionState> {
    this.stateReads++;
    return { found: this.sessionKnown, endedAt: this.endedAt, version: this.version };
  }

  add(d: Danmaku): void {
    const idx = indexesOf(d);
    this.bodies.set(d.id, JSON.stringify(d));
    this.room.push(idx.roomMember);
    if (idx.session) this.session.push(idx.session.member);
  }

  async readSessionPage(
    _r: string,
    _s: string,
    min: string,
    max: string,
    limit: number,
  ): Promise<TimelineRead> {
    this.pageReads++;
    if (!this.sessionKnown)
      return { found: false, endedAt: null, version: null, bodies: [], lastMember: null };
    return {
      found: true,
      endedAt: this.endedAt,
      version: this.version,
      ...this.select(this.session, min, max, limit),
    };
  }

  async readRoomPage(_r: string, min: string, max: string, limit: number): Promise<TimelineRead> {
    return { found: true, endedAt: null, version: null, ...this.select(this.room, min, max, limit) };
  }

  /** The page script's answer: up to `limit` bodies joined, the last member when more follow. */
  private select(members: string[], min: string, max: string, limit: number) {
    const above = (m: string) => min === '-' || (min[0] === '(' ? m > min.slice(1) : m >= min.slice(1));
    const below = (m: string) => max === '+' || (max[0] === '(' ? m < max.slice(1) : m <= max.slice(1));
    const selected = [...members]
      .sort()
      .filter((m) => above(m) && below(m))
      .slice(0, limit + 1);
    const page = selected.slice(0, limit);
    return {
      bodies: page.map((m) => Buffer.from(String(this.bodies.get(m.split(':').slice(2).join(':'))))),
      lastMember: selected.length > limit ? page[page.length - 1] : null,
    };
  }
}

/** The page of a full answer (a 304 answer has none). */
function bodyOf(answer: { body: PageJson | null } | PageJson): Page<Danmaku> {
  const json = Buffer.isBuffer(answer) ? answer : answer.body;
  if (json === null) throw new Error('expected a body, got a 304 answer');
  return parsePageJson(json);
}

let seq = 0;
function danmaku(offsetMs: number): Danmaku {
  seq++;
  return {
    id: `id-${seq}`,
    roomId: 'r1',
    seq,
    userId: 'u',
    nickname: 'n',
    text: `m${seq}`,
    mode: 'scroll',
    color: '#ffffff',
    size: 'medium',
    sentAt: 1_700_000_000_000 + offsetMs,
    sessionId: 's1',
    offsetMs,
  };
}

describe('TimelineService', () => {
  let store: FakeStore;
  let service: TimelineService;

  beforeEach(() => {
    seq = 0;
    store = new FakeStore();
    service = new TimelineService(store as unknown as ReplayStoreRepository);
  });

  it('pages 250 messages by 100 into 3 pages without skips or repeats, even with appends between pages', async () => {
    for (let i = 0; i < 250; i++) store.add(danmaku(Math.floor(i / 3) * 100));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = bodyOf(await service.sessionPage('r1', 's1', { limit: 100, cursor }));
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
      // Live appends land after everything already stored: they show up on a later page.
      if (pages === 1) for (let i = 0; i < 10; i++) store.add(danmaku(100_000 + i));
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(260);
    expect(new Set(seen).size).toBe(260);
    expect(seen).toEqual(Array.from({ length: 260 }, (_, i) => `id-${i + 1}`));
  });

  it('splices stored bodies into exactly the JSON of the parsed page', async () => {
    const added = [0, 1, 2].map((offset) => danmaku(offset));
    for (const d of added) store.add(d);
    const answer = await service.sessionPage('r1', 's1', { limit: 2 });
    const page = bodyOf(answer);
    expect(page.items).toEqual(added.slice(0, 2));
    expect(answer.body?.toString('utf8')).toBe(JSON.stringify(page));
  });

  it('answers nextCursor null when the last page is exactly full', async () => {
    for (let i = 0; i < 100; i++) store.add(danmaku(i));
    const page = bodyOf(await service.sessionPage('r1', 's1', { limit: 100 }));
    expect(page.items).toHaveLength(100);
    expect(page.nextCursor).toBeNull();
  });

  it('windows by offset, from-inclusive and to-exclusive', async () => {
    for (const off of [0, 1000, 1999, 2000, 3000]) store.add(danmaku(off));
    const page = bodyOf(await service.sessionPage('r1', 's1', { fromMs: 1000, toMs: 2000, limit: 10 }));
    expect(page.items.map((d) => d.offsetMs)).toEqual([1000, 1999]);
  });

  it('pages the room history by sentAt with room cursors', async () => {
    for (let i = 0; i < 5; i++) store.add(danmaku(i * 10));
    const first = bodyOf(await service.roomPage('r1', { limit: 2, from: 1_700_000_000_010 }));
    expect(first.items.map((d) => d.seq)).toEqual([2, 3]);
    const cursor = String(first.nextCursor);
    const second = bodyOf(await service.roomPage('r1', { limit: 2, from: 1_700_000_000_010, cursor }));
    expect(second.items.map((d) => d.seq)).toEqual([4, 5]);
    expect(second.nextCursor).toBeNull();
    await expect(service.sessionPage('r1', 's1', { limit: 2, cursor })).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
    });
  });

  it('reports whether the session ended', async () => {
    expect((await service.sessionPage('r1', 's1', { limit: 1 })).ended).toBe(false);
    store.endedAt = 5;
    expect((await service.sessionPage('r1', 's1', { limit: 1 })).ended).toBe(true);
  });

  it('answers without a body, and without reading the timeline, when If-None-Match is current', async () => {
    store.add(danmaku(0));
    const full = await service.sessionPage('r1', 's1', { limit: 10 });
    expect(full.etag).toBe('"r1-3"');
    expect(store.stateReads).toBe(0);

    const fresh = await service.sessionPage('r1', 's1', { limit: 10 }, full.etag);
    expect(fresh).toEqual({ body: null, etag: '"r1-3"', ended: false });
    expect(store.pageReads).toBe(1);

    // A retraction or a new danmaku bumps the version: the old tag no longer matches.
    store.version = '4';
    const changed = await service.sessionPage('r1', 's1', { limit: 10 }, full.etag);
    expect(changed.etag).toBe('"r1-4"');
    expect(bodyOf(changed).items).toHaveLength(1);

    // Bad input is refused before any conditional answer.
    await expect(
      service.sessionPage('r1', 's1', { limit: 10, cursor: 'bad' }, '"r1-4"'),
    ).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
  });

  it('answers NOT_FOUND for an unknown session', async () => {
    store.sessionKnown = false;
    await expect(service.sessionPage('r1', 'nope', { limit: 10 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses a window ending before it starts', async () => {
    const attempt = service.sessionPage('r1', 's1', { fromMs: 10, toMs: 5, limit: 10 });
    await expect(attempt).rejects.toBeInstanceOf(DomainException);
    await expect(attempt).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      details: [expect.objectContaining({ path: 'toMs' })],
    });
  });
});
