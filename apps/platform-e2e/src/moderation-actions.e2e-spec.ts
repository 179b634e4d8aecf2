import type {
  DanmakuBatchEvent,
  DanmakuRetractEvent,
  NoticeEvent,
  RoomSettingsEvent,
} from '@danmaku/contracts';
import {
  connectViewer,
  emitAck,
  expectEventually,
  httpJson,
  nextEvent,
  recordEvents,
  type ViewerSocket,
} from '@danmaku/testing';
import { adminToken, newUser, roomName, startStack, type Stack, type TestUser } from './stack';

/** Every moderator action, taken through the REST API, reaching viewers on two gateways. */
describe('moderation actions reach everyone (2 gateways)', () => {
  let stack: Stack;
  let admin: string;
  let viewerA: TestUser;
  let viewerB: TestUser;
  let troll: TestUser;
  const sockets: ViewerSocket[] = [];

  async function viewer(gateway: number, token: string) {
    const s = await connectViewer(stack.gateways[gateway].url, token);
    sockets.push(s);
    return s;
  }
  const api = (method: string, path: string, body?: unknown) =>
    httpJson(method, `${stack.moderation.url}${path}`, { token: admin, body });

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
    admin = await adminToken(stack);
  }, 120_000);

  beforeEach(async () => {
    [viewerA, viewerB, troll] = await Promise.all([
      newUser(stack, 'va'),
      newUser(stack, 'vb'),
      newUser(stack, 'troll'),
    ]);
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()?.close();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('settings changes are pushed to every viewer and enforced', async () => {
    const roomId = roomName();
    const a = await viewer(0, viewerA.token);
    const b = await viewer(1, viewerB.token);
    for (const s of [a, b]) await emitAck(s, 'room:join', { roomId });
    const pushed = [a, b].map((s) =>
      nextEvent<RoomSettingsEvent>(s, 'room:settings', (e) => e.roomId === roomId, 10_000),
    );
    const res = await api('PATCH', `/v1/rooms/${roomId}/settings`, { maxLength: 10, closed: false });
    expect(res.status).toBe(200);
    for (const e of await Promise.all(pushed)) expect(e.settings).toMatchObject({ maxLength: 10 });
    await expectEventually(async () => {
      expect((await emitAck(a, 'danmaku:send', { roomId, text: 'x'.repeat(11) })).error?.code).toBe(
        'TOO_LONG',
      );
    });
    await api('PATCH', `/v1/rooms/${roomId}/settings`, { closed: true });
    await expectEventually(async () => {
      expect((await emitAck(b, 'danmaku:send', { roomId, text: 'hello' })).error?.code).toBe('ROOM_CLOSED');
    });
  });

  it('a mute tells the user, with until, and stops their sends', async () => {
    const roomId = roomName();
    const t = await viewer(1, troll.token);
    await emitAck(t, 'room:join', { roomId });
    const notice = nextEvent<NoticeEvent>(t, 'notice', (n) => n.code === 'MUTED', 10_000);
    const res = await api('POST', `/v1/rooms/${roomId}/mutes`, {
      userId: troll.userId,
      durationSec: 600,
      reason: 'calm down',
    });
    expect(res.status).toBe(201);
    const n = await notice;
    expect(n).toMatchObject({ code: 'MUTED', roomId, message: 'calm down' });
    expect(n.until).toBeGreaterThan(Date.now() + 590_000);
    const ack = await emitAck(t, 'danmaku:send', { roomId, text: 'still talking' });
    expect(ack.error).toMatchObject({ code: 'MUTED', details: { until: n.until } });
    expect((await api('DELETE', `/v1/rooms/${roomId}/mutes/${troll.userId}`)).status).toBe(204);
    await expectEventually(async () =>
      expect((await emitAck(t, 'danmaku:send', { roomId, text: 'sorry' })).ok).toBe(true),
    );
  });

  it('a ban removes the user from the room at once, on every instance, and refuses their join', async () => {
    const roomId = roomName();
    const t0 = await viewer(0, troll.token);
    const t1 = await viewer(1, troll.token);
    const other = await viewer(0, viewerA.token);
    for (const s of [t0, t1, other]) await emitAck(s, 'room:join', { roomId });
    const notices = [t0, t1].map((s) =>
      nextEvent<NoticeEvent>(s, 'notice', (n) => n.code === 'BANNED', 10_000),
    );
    const trollBatches = [
      recordEvents<DanmakuBatchEvent>(t0, 'danmaku:batch'),
      recordEvents<DanmakuBatchEvent>(t1, 'danmaku:batch'),
    ];
    const otherBatches = recordEvents<DanmakuBatchEvent>(other, 'danmaku:batch');

    expect(
      (await api('POST', `/v1/rooms/${roomId}/bans`, { userId: troll.userId, reason: 'spam' })).status,
    ).toBe(201);
    for (const n of await Promise.all(notices)) expect(n).toMatchObject({ code: 'BANNED', roomId });

    // Out of the room: the next danmaku reaches the others but not them.
    const sent = await emitAck(other, 'danmaku:send', { roomId, text: 'after the ban' });
    await expectEventually(() =>
      expect(otherBatches.flatMap((b) => b.items).map((d) => d.id)).toContain(sent.id),
    );
    for (const batches of trollBatches) expect(batches.flatMap((b) => b.items)).toEqual([]);
    expect((await emitAck(t0, 'room:join', { roomId })).error.code).toBe('BANNED');
    // Removed from the room: a send is refused before the ban is even looked at.
    expect((await emitAck(t1, 'danmaku:send', { roomId, text: 'let me in' })).error.code).toBe(
      'ROOM_NOT_JOINED',
    );

    expect((await api('DELETE', `/v1/rooms/${roomId}/bans/${troll.userId}`)).status).toBe(204);
    await expectEventually(async () => expect((await emitAck(t1, 'room:join', { roomId })).ok).toBe(true));
  });

  it('a site-wide ban reaches the user in every room', async () => {
    const rooms = [roomName(), roomName()];
    const t = await viewer(1, troll.token);
    for (const roomId of rooms) await emitAck(t, 'room:join', { roomId });
    const notice = nextEvent<NoticeEvent>(t, 'notice', (n) => n.code === 'BANNED', 10_000);
    expect(
      (await api('POST', '/v1/bans', { userId: troll.userId, reason: 'bot', durationSec: 3600 })).status,
    ).toBe(201);
    expect((await notice).until).toBeGreaterThan(Date.now());
    await expectEventually(async () =>
      expect((await emitAck(t, 'room:join', { roomId: rooms[0] })).error?.code).toBe('BANNED'),
    );
    expect((await api('DELETE', `/v1/bans/${troll.userId}`)).status).toBe(204);
  });

  it('a deletion retracts the danmaku from every viewer and from replay; the audit log has it all', async () => {
    const roomId = roomName();
    const started = await api('POST', `/v1/rooms/${roomId}/sessions`);
    const a = await viewer(0, viewerA.token);
    const b = await viewer(1, viewerB.token);
    for (const s of [a, b]) await emitAck(s, 'room:join', { roomId });
    const seen = recordEvents<DanmakuBatchEvent>(b, 'danmaku:batch');
    const keep = await emitAck(a, 'danmaku:send', { roomId, text: 'keep me' });
    const drop = await emitAck(a, 'danmaku:send', { roomId, text: 'delete me' });
    await expectEventually(() => expect(seen.flatMap((x) => x.items)).toHaveLength(2));

    const retracts = [a, b].map((s) =>
      nextEvent<DanmakuRetractEvent>(s, 'danmaku:retract', (e) => e.roomId === roomId, 10_000),
    );
    expect(
      (await api('DELETE', `/v1/rooms/${roomId}/danmaku/${drop.id}`, { reason: 'spoiler' })).status,
    ).toBe(202);
    for (const e of await Promise.all(retracts)) expect(e).toEqual({ roomId, ids: [drop.id] });

    const sessionId = started.body.sessionId;
    await expectEventually(async () => {
      const page = await httpJson(
        'GET',
        `${stack.replay.url}/v1/rooms/${roomId}/sessions/${sessionId}/danmaku`,
      );
      expect(page.body.items.map((d: { id: string }) => d.id)).toEqual([keep.id]);
    });

    const log = await api('GET', `/v1/rooms/${roomId}/audit-log?limit=10`);
    expect(log.status).toBe(200);
    expect(log.body.items[0]).toMatchObject({
      action: 'danmaku.retract',
      target: drop.id,
      reason: 'spoiler',
    });
    expect(log.body.items.map((i: { action: string }) => i.action)).toContain('session.start');
  });
});
