import type { Danmaku } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { indexesOf } from '../store/replay-keys';
import type { ReplayStoreRepository, TimelineRead } from '../store/replay-store.repository';
import { TimelineService } from './timeline.service';

/** In-memory stand-in for the store's page reads, with ZRANGEBYLEX semantics. */
class FakeStore {
  readonly bodies = new Map<string, string>();
  readonly room: string[] = [];
  readonly session: string[] = [];
  sessionKnown = true;
  endedAt: number | null = null;

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
    count: number,
  ): Promise<TimelineRead> {
    if (!this.sessionKnown) return { found: false, endedAt: null, rows: [] };
    return { found: true, endedAt: this.endedAt, rows: this.select(this.session, min, max, count) };
  }

  async readRoomPage(_r: string, min: string, max: string, count: number): Promise<TimelineRead> {
    return { found: true, endedAt: null, rows: this.select(this.room, min, max, count) };
  }

  private select(members: string[], min: string, max: string, count: number) {
    const above = (m: string) => min === '-' || (min[0] === '(' ? m > min.slice(1) : m >= min.slice(1));
    const below = (m: string) => max === '+' || (max[0] === '(' ? m < max.slice(1) : m <= max.slice(1));
    return [...members]
      .sort()
      .filter((m) => above(m) && below(m))
      .slice(0, count)
      .map((member) => ({ member, body: this.bodies.get(member.split(':').slice(2).join(':')) as string }));
  }
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
      const { page } = await service.sessionPage('r1', 's1', { limit: 100, cursor });
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

  it('answers nextCursor null when the last page is exactly full', async () => {
    for (let i = 0; i < 100; i++) store.add(danmaku(i));
    const { page } = await service.sessionPage('r1', 's1', { limit: 100 });
    expect(page.items).toHaveLength(100);
    expect(page.nextCursor).toBeNull();
  });

  it('windows by offset, from-inclusive and to-exclusive', async () => {
    for (const off of [0, 1000, 1999, 2000, 3000]) store.add(danmaku(off));
    const { page } = await service.sessionPage('r1', 's1', { fromMs: 1000, toMs: 2000, limit: 10 });
    expect(page.items.map((d) => d.offsetMs)).toEqual([1000, 1999]);
  });

  it('pages the room history by sentAt with room cursors', async () => {
    for (let i = 0; i < 5; i++) store.add(danmaku(i * 10));
    const first = await service.roomPage('r1', { limit: 2, from: 1_700_000_000_010 });
    expect(first.page.items.map((d) => d.seq)).toEqual([2, 3]);
    const second = await service.roomPage('r1', {
      limit: 2,
      from: 1_700_000_000_010,
      cursor: first.page.nextCursor!,
    });
    expect(second.page.items.map((d) => d.seq)).toEqual([4, 5]);
    expect(second.page.nextCursor).toBeNull();
    await expect(
      service.sessionPage('r1', 's1', { limit: 2, cursor: first.page.nextCursor! }),
    ).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
    });
  });

  it('reports whether the session ended', async () => {
    expect((await service.sessionPage('r1', 's1', { limit: 1 })).ended).toBe(false);
    store.endedAt = 5;
    expect((await service.sessionPage('r1', 's1', { limit: 1 })).ended).toBe(true);
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
