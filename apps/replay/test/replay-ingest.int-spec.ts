import { consumerGroup, KAFKA_TOPICS } from '@danmaku/contracts';
import { expectEventually } from '@danmaku/testing';
import { ReplayHarness, roomId } from './replay-harness';

jest.setTimeout(90_000);

describe('replay ingest (real Kafka, Redis and replay process)', () => {
  const h = new ReplayHarness();

  beforeAll(() => h.start(), 90_000);
  afterAll(() => h.stop());

  it('stores accepted danmaku and serves them by offset then seq, and by sentAt for the room', async () => {
    const room = roomId();
    // Published out of offset order: replay orders by (offsetMs, seq), not by arrival.
    const a = h.danmaku(room, { offsetMs: 3000 });
    const b = h.danmaku(room, { offsetMs: 1000 });
    const c = h.danmaku(room, { offsetMs: 1000 });
    const d = h.danmaku(room, { offsetMs: null, sessionId: null, sentAt: 1_600_000_000_000 });
    await h.accept(a, b, c, d);

    const items = await expectEventually(async () => {
      const all = await h.allSessionDanmaku(room, 's-1');
      expect(all).toHaveLength(3);
      return all;
    });
    expect(items).toEqual([b, c, a]);

    const roomPage = await h.get(`/v1/rooms/${room}/danmaku`);
    expect(roomPage.status).toBe(200);
    expect(roomPage.body).toEqual({ items: [d, b, c, a], nextCursor: null });
  });

  it('creates a session lazily from its danmaku, then takes the authoritative start and end from room events', async () => {
    const room = roomId();
    await h.accept(h.danmaku(room, { sessionId: 'lazy', offsetMs: 5000, sentAt: 1_700_000_005_000 }));
    await expectEventually(async () =>
      expect(await h.sessions(room)).toEqual([
        { sessionId: 'lazy', startedAt: 1_700_000_000_000, endedAt: null, count: 1 },
      ]),
    );

    await h.roomEvent(
      {
        type: 'session.started',
        roomId: room,
        session: { sessionId: 'lazy', startedAt: 1_699_999_999_990 },
        at: 1,
      },
      {
        type: 'session.started',
        roomId: room,
        session: { sessionId: 'later', startedAt: 1_700_000_100_000 },
        at: 2,
      },
      {
        type: 'session.ended',
        roomId: room,
        session: { sessionId: 'lazy', startedAt: 1_699_999_999_990, endedAt: 1_700_000_050_000 },
        at: 3,
      },
      // Redelivered start after the end: the end stays.
      {
        type: 'session.started',
        roomId: room,
        session: { sessionId: 'lazy', startedAt: 1_699_999_999_990 },
        at: 4,
      },
    );
    await expectEventually(async () =>
      expect(await h.sessions(room)).toEqual([
        { sessionId: 'later', startedAt: 1_700_000_100_000, endedAt: null, count: 0 },
        { sessionId: 'lazy', startedAt: 1_699_999_999_990, endedAt: 1_700_000_050_000, count: 1 },
      ]),
    );
  });

  it('never duplicates a redelivered accepted event', async () => {
    const room = roomId();
    const first = h.danmaku(room);
    const before = await h.metric('replay_danmaku_ignored_total', 'reason="duplicate"');
    await h.accept(first, first);
    await h.accept(first);
    // A later message of the same room (same partition) proves the redeliveries were consumed.
    const sentinel = h.danmaku(room);
    await h.accept(sentinel);
    await expectEventually(async () =>
      expect((await h.allSessionDanmaku(room, 's-1')).map((x) => x.id)).toContain(sentinel.id),
    );

    expect(await h.allSessionDanmaku(room, 's-1')).toEqual([first, sentinel]);
    expect((await h.sessions(room))[0].count).toBe(2);
    expect((await h.get(`/v1/rooms/${room}/danmaku`)).body.items).toHaveLength(2);
    expect(await h.metric('replay_danmaku_ignored_total', 'reason="duplicate"')).toBeGreaterThanOrEqual(
      before + 2,
    );
  });

  it('retracts a stored message everywhere, and a redelivery afterwards does not bring it back', async () => {
    const room = roomId();
    const keep = h.danmaku(room, { offsetMs: 500 });
    const gone = h.danmaku(room, { offsetMs: 1500 });
    await h.accept(keep, gone);
    await expectEventually(async () => expect(await h.allSessionDanmaku(room, 's-1')).toHaveLength(2));
    expect((await h.get(`/v1/rooms/${room}/sessions/s-1/density?bucketMs=1000`)).body.buckets).toEqual([
      1, 1,
    ]);

    await h.roomEvent({
      type: 'danmaku.retracted',
      roomId: room,
      ids: [gone.id],
      actorId: 'mod',
      reason: 'spam',
      at: 1,
    });
    await expectEventually(async () => expect(await h.allSessionDanmaku(room, 's-1')).toEqual([keep]));
    expect((await h.get(`/v1/rooms/${room}/danmaku`)).body.items).toEqual([keep]);
    expect((await h.sessions(room))[0].count).toBe(1);
    expect((await h.get(`/v1/rooms/${room}/sessions/s-1/density?bucketMs=1000`)).body.buckets).toEqual([1]);

    await h.accept(gone);
    const sentinel = h.danmaku(room, { offsetMs: 2500 });
    await h.accept(sentinel);
    await expectEventually(async () =>
      expect(await h.allSessionDanmaku(room, 's-1')).toEqual([keep, sentinel]),
    );
    expect((await h.get(`/v1/rooms/${room}/danmaku`)).body.items).toEqual([keep, sentinel]);
    expect(await h.metric('replay_danmaku_ignored_total', 'reason="retracted"')).toBeGreaterThanOrEqual(1);
  });

  it('holds a retraction that arrives before the message itself', async () => {
    const room = roomId();
    const early = h.danmaku(room);
    await h.roomEvent(
      { type: 'danmaku.retracted', roomId: room, ids: [early.id], actorId: 'mod', reason: null, at: 1 },
      // Same room, same partition, after the retraction: once it shows, the tombstone is in.
      { type: 'session.started', roomId: room, session: { sessionId: 'marker', startedAt: 1 }, at: 2 },
    );
    await expectEventually(async () =>
      expect((await h.sessions(room)).map((s) => s.sessionId)).toContain('marker'),
    );

    const sentinel = h.danmaku(room);
    await h.accept(early, sentinel);
    await expectEventually(async () => expect(await h.allSessionDanmaku(room, 's-1')).toEqual([sentinel]));
    expect((await h.get(`/v1/rooms/${room}/danmaku`)).body.items).toEqual([sentinel]);
  });

  it('keeps everything exactly once when the whole topic is consumed again after a restart', async () => {
    const room = roomId();
    const items = Array.from({ length: 30 }, () => h.danmaku(room));
    await h.accept(...items);
    await h.roomEvent({
      type: 'danmaku.retracted',
      roomId: room,
      ids: [items[3].id],
      actorId: 'mod',
      reason: null,
      at: 1,
    });
    const expected = items.filter((_, i) => i !== 3);
    await expectEventually(async () => expect(await h.allSessionDanmaku(room, 's-1')).toEqual(expected));

    // Stop replay, rewind both of its consumer groups to the start, start it again.
    await h.app.stop();
    const admin = h.kafka.kafka.admin();
    await admin.connect();
    try {
      for (const [purpose, topic] of [
        ['store', KAFKA_TOPICS.danmakuAccepted],
        ['room-events', KAFKA_TOPICS.roomEvents],
      ] as const) {
        const groupId = consumerGroup('replay', purpose, h.namespace);
        await expectEventually(
          async () => expect((await admin.describeGroups([groupId])).groups[0].members).toHaveLength(0),
          {
            timeoutMs: 30_000,
            intervalMs: 250,
          },
        );
        await admin.resetOffsets({ groupId, topic: h.kafka.topic(topic), earliest: true });
      }
    } finally {
      await admin.disconnect();
    }
    await h.startApp();

    await expectEventually(
      async () =>
        expect(await h.metric('replay_danmaku_ignored_total', 'reason="duplicate"')).toBeGreaterThanOrEqual(
          29,
        ),
      { timeoutMs: 30_000 },
    );
    const sentinel = h.danmaku(room);
    await h.accept(sentinel);
    await expectEventually(async () =>
      expect(await h.allSessionDanmaku(room, 's-1')).toEqual([...expected, sentinel]),
    );
    expect((await h.sessions(room))[0].count).toBe(30);
    await expectEventually(async () => expect(await h.metric('replay_danmaku_stored_total')).toBe(1));
  });
});
