import { expectEventually } from '@danmaku/testing';
import { ReplayHarness, roomId } from './replay-harness';

jest.setTimeout(90_000);

const DAY = 24 * 3600 * 1000;

/** The retention sweep as deployed: a replay process with REPLAY_RETENTION_DAYS set. */
describe('replay retention (real Kafka, Redis and replay process)', () => {
  const h = new ReplayHarness();

  beforeAll(async () => {
    await h.start();
    await h.app.stop();
    await h.startApp({ REPLAY_RETENTION_DAYS: '1', REPLAY_RETENTION_SWEEP_SEC: '1' });
  }, 90_000);
  afterAll(() => h.stop());

  it('deletes sessions that ended longer ago than the retention, keeps the others, and never stores them again', async () => {
    const room = roomId('retention');
    const now = Date.now();
    const oldStart = now - 3 * DAY;
    const old = [1, 2, 3].map((i) =>
      h.danmaku(room, { sessionId: 'old', offsetMs: i * 1000, sentAt: oldStart + i * 1000 }),
    );
    const fresh = h.danmaku(room, { sessionId: 'fresh', offsetMs: 500, sentAt: now - 60_000 + 500 });
    const oldLoose = h.danmaku(room, { sessionId: null, offsetMs: null, sentAt: now - 2 * DAY });
    await h.roomEvent(
      { type: 'session.started', roomId: room, session: { sessionId: 'old', startedAt: oldStart }, at: 1 },
      {
        type: 'session.ended',
        roomId: room,
        session: { sessionId: 'old', startedAt: oldStart, endedAt: oldStart + 3600_000 },
        at: 2,
      },
      {
        type: 'session.ended',
        roomId: room,
        session: { sessionId: 'fresh', startedAt: now - 60_000, endedAt: now - 1000 },
        at: 3,
      },
    );
    await h.accept(...old, fresh, oldLoose);

    await expectEventually(
      async () => {
        expect((await h.sessions(room)).map((s) => s.sessionId)).toEqual(['fresh']);
        expect(await h.metric('replay_retention_sessions_purged_total')).toBeGreaterThanOrEqual(1);
      },
      { timeoutMs: 30_000 },
    );
    expect((await h.get(`/v1/rooms/${room}/sessions/old/danmaku`)).status).toBe(404);
    expect(await h.allSessionDanmaku(room, 'fresh')).toEqual([fresh]);
    // The old session-less message was past retention on arrival: never stored.
    expect((await h.get(`/v1/rooms/${room}/danmaku`)).body.items).toEqual([fresh]);
    expect(await h.metric('replay_danmaku_ignored_total', 'reason="expired"')).toBeGreaterThanOrEqual(1);

    // Kafka delivering the expired session again does not bring it back.
    await h.accept(old[0]);
    await h.roomEvent({
      type: 'session.started',
      roomId: room,
      session: { sessionId: 'old', startedAt: oldStart },
      at: 4,
    });
    const sentinel = h.danmaku(room, { sessionId: 'fresh', offsetMs: 900, sentAt: now - 60_000 + 900 });
    await h.accept(sentinel);
    await expectEventually(async () =>
      expect(await h.allSessionDanmaku(room, 'fresh')).toEqual([fresh, sentinel]),
    );
    await h.roomEvent({
      type: 'session.started',
      roomId: room,
      session: { sessionId: 'marker', startedAt: now },
      at: 5,
    });
    await expectEventually(async () =>
      expect((await h.sessions(room)).map((s) => s.sessionId).sort()).toEqual(['fresh', 'marker']),
    );
  });
});
