import type { Danmaku, DanmakuBatchEvent, DanmakuRejectedEvent } from '@danmaku/contracts';
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

/** Everything a viewer saw in a room, flattened from its danmaku:batch events. */
function seen(batches: DanmakuBatchEvent[], roomId: string): Danmaku[] {
  return batches.filter((b) => b.roomId === roomId).flatMap((b) => b.items);
}

describe('a danmaku’s whole journey (2 gateways, real Kafka and Redis)', () => {
  let stack: Stack;
  let admin: string;
  let alice: TestUser;
  let bob: TestUser;
  const sockets: ViewerSocket[] = [];

  async function viewer(gateway: number, token: string): Promise<ViewerSocket> {
    const s = await connectViewer(stack.gateways[gateway].url, token);
    sockets.push(s);
    return s;
  }

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
    admin = await adminToken(stack);
  }, 120_000);

  // Fresh users per test: the per-user send rate (20 per 10 s) is shared across tests otherwise.
  beforeEach(async () => {
    [alice, bob] = await Promise.all([newUser(stack, 'alice'), newUser(stack, 'bob')]);
  });

  afterEach(() => {
    while (sockets.length) sockets.pop()?.close();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('reaches viewers on both gateway instances, in seq order without gaps', async () => {
    const roomId = roomName();
    const sender = await viewer(0, alice.token);
    const onOther = await viewer(1, bob.token);
    const batchesSame = recordEvents<DanmakuBatchEvent>(sender, 'danmaku:batch');
    const batchesOther = recordEvents<DanmakuBatchEvent>(onOther, 'danmaku:batch');

    const joinA = await emitAck(sender, 'room:join', { roomId });
    const joinB = await emitAck(onOther, 'room:join', { roomId });
    expect(joinA).toMatchObject({
      ok: true,
      roomId,
      recent: [],
      settings: { maxLength: 100, closed: false },
    });
    expect(joinB.ok).toBe(true);

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ack = await emitAck(sender, 'danmaku:send', {
        roomId,
        text: `hello ${i}`,
        color: '#FF0000',
        mode: 'top',
      });
      expect(ack).toEqual({ ok: true, id: expect.any(String) });
      ids.push(ack.id);
    }

    for (const batches of [batchesSame, batchesOther]) {
      await expectEventually(() => expect(seen(batches, roomId).map((d) => d.id)).toEqual(ids));
      const items = seen(batches, roomId);
      expect(items.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(items[0]).toMatchObject({
        roomId,
        userId: alice.userId,
        nickname: alice.username,
        text: 'hello 0',
        mode: 'top',
        color: '#ff0000',
        size: 'medium',
        sessionId: null,
        offsetMs: null,
      });
    }
    // A later joiner gets them as `recent`, on either instance.
    const late = await viewer(1, bob.token);
    const lateJoin = await emitAck(late, 'room:join', { roomId });
    expect(lateJoin.recent.map((d: Danmaku) => d.id)).toEqual(ids);
    expect(lateJoin.online).toBeGreaterThanOrEqual(2);
  });

  it('rejects a blocked term to its sender only; nobody ever sees it', async () => {
    const roomId = roomName();
    const term = `forbidden${Math.random().toString(36).slice(2, 6)}`;
    const res = await httpJson('POST', `${stack.moderation.url}/v1/rooms/${roomId}/blocked-terms`, {
      token: admin,
      body: { term },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ termId: expect.any(String), term });

    const sender = await viewer(0, alice.token);
    const watcher = await viewer(1, bob.token);
    const senderBatches = recordEvents<DanmakuBatchEvent>(sender, 'danmaku:batch');
    const watcherBatches = recordEvents<DanmakuBatchEvent>(watcher, 'danmaku:batch');
    const watcherRejections = recordEvents<DanmakuRejectedEvent>(watcher, 'danmaku:rejected');
    await emitAck(sender, 'room:join', { roomId });
    await emitAck(watcher, 'room:join', { roomId });

    const rejected = nextEvent<DanmakuRejectedEvent>(
      sender,
      'danmaku:rejected',
      (e) => e.roomId === roomId,
      15_000,
    );
    const bad = await emitAck(sender, 'danmaku:send', {
      roomId,
      text: `this has ${term.toUpperCase()} in it`,
      nonce: 'n-bad',
    });
    expect(bad.ok).toBe(true);
    expect(await rejected).toEqual({
      roomId,
      id: bad.id,
      nonce: 'n-bad',
      code: 'BLOCKED_TERM',
      reason: expect.any(String),
    });

    // A clean message after it arrives, so had the blocked one been broadcast it would be there first.
    const good = await emitAck(sender, 'danmaku:send', { roomId, text: 'perfectly fine' });
    await expectEventually(() => expect(seen(watcherBatches, roomId).map((d) => d.id)).toEqual([good.id]));
    await expectEventually(() => expect(seen(senderBatches, roomId).map((d) => d.id)).toEqual([good.id]));
    expect(seen(watcherBatches, roomId)[0].seq).toBe(1);
    expect(watcherRejections).toEqual([]);
  });

  it('replay returns what viewers saw, by session offset', async () => {
    const roomId = roomName();
    const started = await httpJson('POST', `${stack.moderation.url}/v1/rooms/${roomId}/sessions`, {
      token: admin,
    });
    expect(started.status).toBe(201);
    const { sessionId, startedAt } = started.body;

    const sender = await viewer(1, alice.token);
    const watcher = await viewer(0, bob.token);
    const batches = recordEvents<DanmakuBatchEvent>(watcher, 'danmaku:batch');
    await emitAck(sender, 'room:join', { roomId });
    await emitAck(watcher, 'room:join', { roomId });
    for (let i = 0; i < 12; i++)
      await emitAck(sender, 'danmaku:send', { roomId, text: `line ${i}`, size: 'large' });
    await expectEventually(() => expect(seen(batches, roomId)).toHaveLength(12));
    const viewed = seen(batches, roomId);
    for (const d of viewed) {
      expect(d.sessionId).toBe(sessionId);
      expect(d.offsetMs).toBe(d.sentAt - startedAt);
    }

    const ended = await httpJson('POST', `${stack.moderation.url}/v1/rooms/${roomId}/sessions/current/end`, {
      token: admin,
    });
    expect(ended.status).toBe(200);

    const base = `${stack.replay.url}/v1/rooms/${roomId}/sessions`;
    await expectEventually(async () => {
      const sessions = await httpJson('GET', base);
      expect(sessions.body.items).toEqual([{ sessionId, startedAt, endedAt: ended.body.endedAt, count: 12 }]);
    });
    const paged: Danmaku[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await httpJson('GET', `${base}/${sessionId}/danmaku?limit=5${q}`);
      expect(page.status).toBe(200);
      paged.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(viewed);
  });

  it('answers bad input with the contract codes and keeps the connection', async () => {
    const roomId = roomName();
    const s = await viewer(0, alice.token);
    const bad = async (event: string, payload: unknown) => (await emitAck(s, event, payload)).error?.code;

    expect(await bad('room:join', {})).toBe('INVALID_PAYLOAD');
    expect(await bad('room:join', { roomId: 'bad room!' })).toBe('INVALID_PAYLOAD');
    expect(await bad('room:join', 'not an object')).toBe('INVALID_PAYLOAD');
    expect(await bad('danmaku:send', { roomId, text: 'not joined yet' })).toBe('ROOM_NOT_JOINED');
    await emitAck(s, 'room:join', { roomId });
    const invalid = await emitAck(s, 'danmaku:send', { roomId, text: '   ', color: 'red', mode: 'sideways' });
    expect(invalid.ok).toBe(false);
    expect(invalid.error.code).toBe('INVALID_PAYLOAD');
    expect(invalid.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'color',
      'mode',
      'text',
    ]);
    const tooLong = await emitAck(s, 'danmaku:send', { roomId, text: 'x'.repeat(101) });
    expect(tooLong.error).toMatchObject({ code: 'TOO_LONG', details: { maxLength: 100, length: 101 } });
    // 100 emoji with modifiers are 100 characters, not 200+ code units.
    expect((await emitAck(s, 'danmaku:send', { roomId, text: '👍🏽'.repeat(100) })).ok).toBe(true);
    expect(await bad('room:leave', { roomId: '' })).toBe('INVALID_PAYLOAD');

    expect(s.connected).toBe(true);
    const ok = await emitAck(s, 'danmaku:send', { roomId, text: 'still here' });
    expect(ok).toEqual({ ok: true, id: expect.any(String) });
  });

  it('lets guests watch but not send', async () => {
    const roomId = roomName();
    const guest = await httpJson('POST', `${stack.auth.url}/v1/auth/guest`, { body: { nickname: 'lurker' } });
    expect(guest.status).toBe(200);
    const s = await viewer(1, guest.body.accessToken);
    expect((await emitAck(s, 'room:join', { roomId })).ok).toBe(true);
    expect((await emitAck(s, 'danmaku:send', { roomId, text: 'hi' })).error.code).toBe('FORBIDDEN');
  });

  it('refuses a connection without a valid token', async () => {
    await expect(connectViewer(stack.gateways[0].url, undefined)).rejects.toThrow('UNAUTHORIZED');
    await expect(connectViewer(stack.gateways[1].url, 'not-a-jwt')).rejects.toThrow('UNAUTHORIZED');
    const forged = alice.token.slice(0, -4) + (alice.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await expect(connectViewer(stack.gateways[0].url, forged)).rejects.toThrow('UNAUTHORIZED');
  });

  it('answers a nonce resend with the same id and never queues it twice', async () => {
    const roomId = roomName();
    const sender = await viewer(0, alice.token);
    const batches = recordEvents<DanmakuBatchEvent>(sender, 'danmaku:batch');
    await emitAck(sender, 'room:join', { roomId });
    const first = await emitAck(sender, 'danmaku:send', { roomId, text: 'once', nonce: 'abc-1' });
    // The resend comes through the other gateway, as after a reconnect.
    const again = await viewer(1, alice.token);
    await emitAck(again, 'room:join', { roomId });
    const second = await emitAck(again, 'danmaku:send', { roomId, text: 'once', nonce: 'abc-1' });
    expect(second.id).toBe(first.id);
    const marker = await emitAck(sender, 'danmaku:send', { roomId, text: 'after' });
    await expectEventually(() =>
      expect(seen(batches, roomId).map((d) => d.id)).toEqual([first.id, marker.id]),
    );
  });

  it('catches a reconnecting viewer up from sinceSeq', async () => {
    const roomId = roomName();
    const sender = await viewer(0, alice.token);
    await emitAck(sender, 'room:join', { roomId });
    const watcher = await viewer(1, bob.token);
    const batches = recordEvents<DanmakuBatchEvent>(watcher, 'danmaku:batch');
    await emitAck(watcher, 'room:join', { roomId });
    await emitAck(sender, 'danmaku:send', { roomId, text: 'one' });
    await expectEventually(() => expect(seen(batches, roomId)).toHaveLength(1));
    watcher.close();

    for (const text of ['two', 'three']) await emitAck(sender, 'danmaku:send', { roomId, text });
    const probe = await viewer(0, bob.token);
    await expectEventually(async () => {
      const j = await emitAck(probe, 'room:join', { roomId });
      expect(j.recent).toHaveLength(3);
    });

    const back = await viewer(1, bob.token);
    const rejoin = await emitAck(back, 'room:join', { roomId, sinceSeq: 1 });
    expect(rejoin.recovered).toBe(true);
    expect(rejoin.recent.map((d: Danmaku) => [d.seq, d.text])).toEqual([
      [2, 'two'],
      [3, 'three'],
    ]);
    const upToDate = await emitAck(back, 'room:join', { roomId, sinceSeq: 3 });
    expect(upToDate).toMatchObject({ recovered: true, recent: [] });
    const ahead = await emitAck(back, 'room:join', { roomId, sinceSeq: 99 });
    expect(ahead.recovered).toBe(false);
  });
});
