import { get } from 'node:http';
import type { Danmaku } from '@danmaku/contracts';
import { expectEventually } from '@danmaku/testing';
import { ReplayHarness, roomId } from './replay-harness';

jest.setTimeout(90_000);

interface RawAnswer {
  status: number;
  etag: string | undefined;
  cacheControl: string | undefined;
  body: string;
}

/** Plain node:http, because fetch turns a conditional request into `Cache-Control: no-cache` (never a 304). */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          etag: res.headers.etag,
          cacheControl: res.headers['cache-control'],
          body,
        }),
      );
    }).on('error', reject);
  });
}

async function statusOf(url: string, headers: Record<string, string>): Promise<number> {
  return (await rawGet(url, headers)).status;
}

describe('replay HTTP API (real Kafka, Redis and replay process)', () => {
  const h = new ReplayHarness();

  beforeAll(() => h.start(), 90_000);
  afterAll(() => h.stop());

  async function storedCount(room: string, sessionId = 's-1'): Promise<number> {
    return (await h.sessions(room)).find((s) => s.sessionId === sessionId)?.count ?? 0;
  }

  describe('paging', () => {
    const room = roomId('paging');
    let originals: Danmaku[];

    beforeAll(async () => {
      // 250 messages, three per offset so seq has to break ties.
      originals = Array.from({ length: 250 }, (_, i) =>
        h.danmaku(room, { offsetMs: Math.floor(i / 3) * 10 }),
      );
      await h.accept(...originals);
      await expectEventually(async () => expect(await storedCount(room)).toBe(250), { timeoutMs: 20_000 });
    });

    it('gives 3 pages of limit 100 with no skips or repeats, appends landing on later pages', async () => {
      const url = (cursor?: string) =>
        `/v1/rooms/${room}/sessions/s-1/danmaku?limit=100${cursor ? `&cursor=${cursor}` : ''}`;
      const first = await h.get(url());
      expect(first.status).toBe(200);
      expect(first.body.items).toEqual(originals.slice(0, 100));
      expect(typeof first.body.nextCursor).toBe('string');

      // New messages arrive between pages: the cursor stays valid and they come after.
      const appended = Array.from({ length: 20 }, (_, i) => h.danmaku(room, { offsetMs: 100_000 + i }));
      await h.accept(...appended);
      await expectEventually(async () => expect(await storedCount(room)).toBe(270));

      const second = await h.get(url(first.body.nextCursor));
      const third = await h.get(url(second.body.nextCursor));
      expect(second.body.items).toEqual(originals.slice(100, 200));
      expect(third.body.items).toEqual([...originals.slice(200), ...appended]);
      expect(third.body.nextCursor).toBeNull();
    });

    it('never repeats or reorders while appends run concurrently with the paging', async () => {
      const appending = (async () => {
        for (let i = 0; i < 5; i++)
          await h.accept(
            ...Array.from({ length: 10 }, (_, j) => h.danmaku(room, { offsetMs: 200_000 + i * 10 + j })),
          );
      })();
      const seen: Danmaku[] = [];
      let cursor: string | null = null;
      do {
        const res = await h.get(
          `/v1/rooms/${room}/sessions/s-1/danmaku?limit=37${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      await appending;

      expect(new Set(seen.map((d) => d.id)).size).toBe(seen.length);
      for (let i = 1; i < seen.length; i++) {
        const [a, b] = [seen[i - 1], seen[i]];
        expect(a.offsetMs! < b.offsetMs! || (a.offsetMs === b.offsetMs && a.seq < b.seq)).toBe(true);
      }
      expect(seen.slice(0, 250)).toEqual(originals);
    });

    it('windows by fromMs (inclusive) and toMs (exclusive), with cursors inside the window', async () => {
      const window = originals.filter((d) => d.offsetMs! >= 100 && d.offsetMs! < 400);
      expect(window).toHaveLength(90);
      const got = await h.allSessionDanmaku(room, 's-1', 'fromMs=100&toMs=400&limit=40');
      expect(got).toEqual(window);
    });

    it('pages the room history by sentAt, from inclusive and to exclusive', async () => {
      const from = originals[30].sentAt;
      const to = originals[60].sentAt;
      const res = await h.get(`/v1/rooms/${room}/danmaku?from=${from}&to=${to}&limit=20`);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual(originals.slice(30, 50));
      const next = await h.get(
        `/v1/rooms/${room}/danmaku?from=${from}&to=${to}&limit=20&cursor=${res.body.nextCursor}`,
      );
      expect(next.body.items).toEqual(originals.slice(50, 60));
      expect(next.body.nextCursor).toBeNull();
    });

    it('uses limit 100 by default', async () => {
      const res = await h.get(`/v1/rooms/${room}/sessions/s-1/danmaku`);
      expect(res.body.items).toHaveLength(100);
    });
  });

  describe('density', () => {
    const room = roomId('density');

    beforeAll(async () => {
      const offsets = [0, 999, 1000, 2500, 9_999, 10_000, 10_001, 25_000, 25_000];
      await h.accept(...offsets.map((offsetMs) => h.danmaku(room, { offsetMs })));
      await expectEventually(async () => expect(await storedCount(room)).toBe(offsets.length));
    });

    it('counts messages per bucket from offset 0 to the last offset', async () => {
      const res = await h.get(`/v1/rooms/${room}/sessions/s-1/density?bucketMs=1000`);
      expect(res.status).toBe(200);
      expect(res.body.bucketMs).toBe(1000);
      const expected = new Array(26).fill(0);
      for (const [i, n] of [
        [0, 2],
        [1, 1],
        [2, 1],
        [9, 1],
        [10, 2],
        [25, 2],
      ]) {
        expected[i] = n;
      }
      expect(res.body.buckets).toEqual(expected);
      expect((await h.get(`/v1/rooms/${room}/sessions/s-1/density?bucketMs=10000`)).body.buckets).toEqual([
        5, 2, 2,
      ]);
      expect((await h.get(`/v1/rooms/${room}/sessions/s-1/density`)).body).toEqual({
        bucketMs: 10_000,
        buckets: [5, 2, 2],
      });
    });

    it('is exact for widths that are not whole seconds', async () => {
      expect((await h.get(`/v1/rooms/${room}/sessions/s-1/density?bucketMs=2500`)).body.buckets).toEqual([
        3, 1, 0, 1, 2, 0, 0, 0, 0, 0, 2,
      ]);
      const fine = await h.get(`/v1/rooms/${room}/sessions/s-1/density?bucketMs=100`);
      expect(fine.body.buckets).toHaveLength(251);
      expect(fine.body.buckets.reduce((a: number, b: number) => a + b, 0)).toBe(9);
      expect(fine.body.buckets[9]).toBe(1);
      expect(fine.body.buckets[250]).toBe(2);
    });

    it('answers no buckets for a session without danmaku', async () => {
      const empty = roomId('empty');
      await h.roomEvent({
        type: 'session.started',
        roomId: empty,
        session: { sessionId: 'quiet', startedAt: 5 },
        at: 5,
      });
      await expectEventually(async () => expect(await h.sessions(empty)).toHaveLength(1));
      expect((await h.get(`/v1/rooms/${empty}/sessions/quiet/density?bucketMs=1000`)).body).toEqual({
        bucketMs: 1000,
        buckets: [],
      });
      expect((await h.get(`/v1/rooms/${empty}/sessions/quiet/danmaku`)).body).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('refuses a width that would give more than 10,000 buckets', async () => {
      const long = roomId('long');
      await h.accept(h.danmaku(long, { offsetMs: 3_600_000 }));
      await expectEventually(async () => expect(await storedCount(long)).toBe(1));
      const res = await h.get(`/v1/rooms/${long}/sessions/s-1/density?bucketMs=100`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_PAYLOAD');
      expect(res.body.error.details[0].path).toBe('bucketMs');
      expect((await h.get(`/v1/rooms/${long}/sessions/s-1/density?bucketMs=1000`)).body.buckets).toHaveLength(
        3601,
      );
    });
  });

  describe('errors', () => {
    it.each([
      ['/v1/rooms/bad%20room/sessions', 'roomId'],
      ['/v1/rooms/bad%20room/danmaku', 'roomId'],
      [`/v1/rooms/${'x'.repeat(65)}/sessions/s/danmaku`, 'roomId'],
      ['/v1/rooms/r/sessions/s/danmaku?limit=0', 'limit'],
      ['/v1/rooms/r/sessions/s/danmaku?limit=1001', 'limit'],
      ['/v1/rooms/r/sessions/s/danmaku?limit=ten', 'limit'],
      ['/v1/rooms/r/sessions/s/danmaku?fromMs=-1', 'fromMs'],
      ['/v1/rooms/r/sessions/s/danmaku?fromMs=1.5', 'fromMs'],
      ['/v1/rooms/r/sessions/s/danmaku?fromMs=10&toMs=5', 'toMs'],
      ['/v1/rooms/r/sessions/s/danmaku?cursor=not-a-cursor', 'cursor'],
      [`/v1/rooms/r/sessions/s/danmaku?cursor=${'a'.repeat(201)}`, 'cursor'],
      ['/v1/rooms/r/danmaku?to=abc', 'to'],
      ['/v1/rooms/r/danmaku?from=9&to=1', 'to'],
      ['/v1/rooms/r/danmaku?cursor=%%%', 'cursor'],
      ['/v1/rooms/r/sessions/s/density?bucketMs=99', 'bucketMs'],
      ['/v1/rooms/r/sessions/s/density?bucketMs=3600001', 'bucketMs'],
    ])('GET %s → 400 INVALID_PAYLOAD naming %s', async (path, field) => {
      const res = await h.get(path);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_PAYLOAD');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    });

    it('refuses a session cursor on the room history', async () => {
      const room = roomId();
      const items = [h.danmaku(room), h.danmaku(room)];
      await h.accept(...items);
      await expectEventually(async () => expect(await storedCount(room)).toBe(2));
      const page = await h.get(`/v1/rooms/${room}/sessions/s-1/danmaku?limit=1`);
      const res = await h.get(`/v1/rooms/${room}/danmaku?cursor=${page.body.nextCursor}`);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe('cursor');
    });

    it('answers 404 NOT_FOUND for an unknown session, and an empty list for an unknown room', async () => {
      for (const path of [
        '/v1/rooms/nobody-here/sessions/nope/danmaku',
        '/v1/rooms/nobody-here/sessions/nope/density',
      ]) {
        const res = await h.get(path);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
      }
      expect((await h.get('/v1/rooms/nobody-here/sessions')).body).toEqual({ items: [] });
      expect((await h.get('/v1/rooms/nobody-here/danmaku')).body).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('caching and health', () => {
    it('lets ended sessions be cached and revalidates live ones', async () => {
      const room = roomId('cache');
      await h.roomEvent({
        type: 'session.started',
        roomId: room,
        session: { sessionId: 's-1', startedAt: 1_700_000_000_000 },
        at: 1,
      });
      await h.accept(h.danmaku(room));
      await expectEventually(async () => expect(await storedCount(room)).toBe(1));
      const live = await h.get(`/v1/rooms/${room}/sessions/s-1/danmaku`);
      expect(live.headers.get('cache-control')).toBe('no-cache');
      const etag = String(live.headers.get('etag'));
      expect(etag).toMatch(/^"r1-\d+"$/);
      expect(
        await statusOf(`${h.app.url}/v1/rooms/${room}/sessions/s-1/danmaku`, { 'if-none-match': etag }),
      ).toBe(304);

      await h.roomEvent({
        type: 'session.ended',
        roomId: room,
        session: { sessionId: 's-1', startedAt: 1_700_000_000_000, endedAt: 1_700_000_100_000 },
        at: 2,
      });
      await expectEventually(async () => expect((await h.sessions(room))[0].endedAt).toBe(1_700_000_100_000));
      const ended = await h.get(`/v1/rooms/${room}/sessions/s-1/danmaku`);
      expect(ended.headers.get('cache-control')).toBe('public, max-age=60, must-revalidate');
      // Ending a session does not change its answers: same strong ETag.
      expect(ended.headers.get('etag')).toBe(etag);
      const density = await h.get(`/v1/rooms/${room}/sessions/s-1/density`);
      expect(density.headers.get('cache-control')).toBe('public, max-age=60, must-revalidate');
      expect(density.headers.get('etag')).toBe(etag);
      expect((await h.get(`/v1/rooms/${room}/sessions`)).headers.get('cache-control')).toBe('no-cache');
      expect((await h.get(`/v1/rooms/${room}/danmaku`)).headers.get('cache-control')).toBe('no-cache');
    });

    it('answers 304 while an ended session is unchanged, and a new ETag once a retraction changes it', async () => {
      const room = roomId('etag');
      const keep = h.danmaku(room, { offsetMs: 100 });
      const gone = h.danmaku(room, { offsetMs: 200 });
      await h.roomEvent({
        type: 'session.ended',
        roomId: room,
        session: { sessionId: 's-1', startedAt: 1_700_000_000_000, endedAt: 1_700_000_100_000 },
        at: 1,
      });
      await h.accept(keep, gone);
      await expectEventually(async () => expect(await storedCount(room)).toBe(2));
      const pageUrl = `${h.app.url}/v1/rooms/${room}/sessions/s-1/danmaku?limit=10`;
      const densityUrl = `${h.app.url}/v1/rooms/${room}/sessions/s-1/density?bucketMs=1000`;

      const first = await rawGet(pageUrl);
      expect(first.status).toBe(200);
      const tag = String(first.etag);
      const notModified = await rawGet(pageUrl, { 'if-none-match': `"stale", ${tag}` });
      expect(notModified).toEqual({
        status: 304,
        etag: tag,
        cacheControl: 'public, max-age=60, must-revalidate',
        body: '',
      });
      expect((await rawGet(densityUrl, { 'if-none-match': tag })).status).toBe(304);

      await h.roomEvent({
        type: 'danmaku.retracted',
        roomId: room,
        ids: [gone.id],
        actorId: 'mod',
        reason: 'spam',
        at: 2,
      });
      const changed = await expectEventually(async () => {
        const answer = await rawGet(pageUrl, { 'if-none-match': tag });
        expect(answer.status).toBe(200);
        return answer;
      });
      expect(changed.etag).not.toBe(tag);
      expect(JSON.parse(changed.body).items).toEqual([keep]);
      expect((await rawGet(densityUrl, { 'if-none-match': tag })).status).toBe(200);
      const newTag = String(changed.etag);
      expect((await rawGet(densityUrl, { 'if-none-match': newTag })).status).toBe(304);
      expect((await rawGet(pageUrl, { 'if-none-match': newTag })).status).toBe(304);

      // An unknown session is 404 whatever tag the client holds.
      expect(
        (await rawGet(`${h.app.url}/v1/rooms/${room}/sessions/nope/danmaku`, { 'if-none-match': '"r1-0"' }))
          .status,
      ).toBe(404);
    });

    it('serves /healthz, /readyz with Redis and both consumers, and replay metrics', async () => {
      expect((await h.get('/healthz')).status).toBe(200);
      const ready = await h.get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({
        redis: true,
        'kafka-broker': true,
        'kafka:replay.store': true,
        'kafka:replay.room-events': true,
      });
      const metrics = await (await fetch(`${h.app.metricsUrl}/metrics`)).text();
      for (const name of [
        'replay_danmaku_stored_total',
        'replay_ingest_batch_duration_seconds_bucket',
        'kafka_consumer_lag',
        'replay_danmaku_retracted_total',
        'replay_retention_sessions_purged_total',
        // Seen at start-up: 0 on a dev Redis without AOF (the app logs a warning then).
        'replay_redis_aof_enabled',
      ]) {
        expect(metrics).toContain(name);
      }
      expect(await h.metric('replay_danmaku_stored_total')).toBeGreaterThan(0);
    });
  });
});
