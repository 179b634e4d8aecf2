import Redis from 'ioredis';
import {
  connectViewer,
  emitAck,
  expectEventually,
  nextEvent,
  testInfra,
  type ViewerSocket,
} from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack } from './stack';

interface Batch {
  roomId: string;
  epoch?: string;
  items: { seq: number; text: string }[];
}

/**
 * Issue 14, item 6: state that does not grow forever. An idle room's seq, epoch, recent
 * buffer and presence expire and its next danmaku starts a new epoch; a SIGKILLed gateway
 * leaves `gw:instances` by itself; nonce, rate-limit and session keys carry TTLs.
 */
describe('state expiry (real stack)', () => {
  let stack: Stack;
  let redis: Redis;
  const sockets: ViewerSocket[] = [];
  const IDLE_TTL_SEC = 3;

  beforeAll(async () => {
    stack = await startStack({
      gateways: 2,
      env: {
        moderation: { MODERATION_ROOM_IDLE_TTL_SEC: String(IDLE_TTL_SEC) },
        gateway: { GATEWAY_ONLINE_INTERVAL_MS: '1000' },
      },
    });
    redis = new Redis(testInfra().redisUrl, { keyPrefix: `${stack.namespace}:` });
  }, 120_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    redis?.disconnect();
    await stack?.stop();
  });

  async function send(socket: ViewerSocket, roomId: string, text: string): Promise<Batch> {
    const batch = nextEvent<Batch>(
      socket,
      'danmaku:batch',
      (b) => b.items.some((i) => i.text === text),
      10_000,
    );
    expect(await emitAck(socket, 'danmaku:send', { roomId, text, nonce: `n-${text}` })).toMatchObject({
      ok: true,
    });
    return batch;
  }

  it("expires an idle room's seq, epoch, recent buffer and presence; its next danmaku starts a new epoch at seq 1", async () => {
    const user = await newUser(stack, 'idle');
    const socket = await connectViewer(stack.gateways[0].url, user.token);
    sockets.push(socket);
    const roomId = roomName();
    expect(await emitAck(socket, 'room:join', { roomId })).toMatchObject({ ok: true });
    const first = await send(socket, roomId, 'first');
    const second = await send(socket, roomId, 'second');
    expect(first.items[0].seq).toBe(1);
    expect(second.items[0].seq).toBe(2);
    expect(second.epoch).toBe(first.epoch);

    const roomKeys = [
      `room:{${roomId}}:recent`,
      `room:{${roomId}}:last-seq`,
      `room:{${roomId}}:epoch`,
      `mod:room:${roomId}:seq`,
    ];
    await expectEventually(async () => {
      for (const key of roomKeys) {
        const ttl = await redis.ttl(key);
        expect([key, ttl > 0 && ttl <= IDLE_TTL_SEC]).toEqual([key, true]);
      }
    });
    // Presence: the room's online hash carries a TTL while viewers are in it.
    await expectEventually(async () => expect(await redis.ttl(`gw:online:{${roomId}}`)).toBeGreaterThan(0));

    // Idle: every key of the room's stream goes by itself.
    await expectEventually(
      async () => expect(await Promise.all(roomKeys.map((k) => redis.exists(k)))).toEqual([0, 0, 0, 0]),
      { timeoutMs: (IDLE_TTL_SEC + 5) * 1000, intervalMs: 200 },
    );
    const third = await send(socket, roomId, 'third');
    expect(third.items[0].seq).toBe(1);
    expect(third.epoch).toBeDefined();
    expect(third.epoch).not.toBe(first.epoch);
    // A joiner sees the new epoch and only what was sent in it.
    const joiner = await connectViewer(stack.gateways[1].url, user.token);
    sockets.push(joiner);
    const ack = await emitAck(joiner, 'room:join', { roomId });
    expect(ack).toMatchObject({ ok: true, epoch: third.epoch });
    expect(ack.recent.map((d: { text: string }) => d.text)).toEqual(['third']);

    // Once the viewers leave, the presence hash goes as well.
    socket.close();
    joiner.close();
    await expectEventually(async () => expect(await redis.exists(`gw:online:{${roomId}}`)).toBe(0), {
      timeoutMs: 40_000,
      intervalMs: 500,
    });
  }, 90_000);

  it('keeps nonce, send-rate, session and login-failure keys under a TTL', async () => {
    const user = await newUser(stack, 'ttl');
    const socket = await connectViewer(stack.gateways[0].url, user.token);
    sockets.push(socket);
    const roomId = roomName();
    await emitAck(socket, 'room:join', { roomId });
    await send(socket, roomId, 'with-a-nonce');
    const wrong = await fetch(`${stack.auth.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: 'not-the-password' }),
    });
    expect(wrong.status).toBe(401);

    const kinds: Record<string, RegExp> = {
      nonce: /^gw:nonce:/,
      sendRate: /^gw:send-rate:/,
      session: /^auth:session/,
      loginFailures: /^auth:rl/,
    };
    const found: Record<string, string[]> = {};
    for await (const batch of redis.scanStream({ match: `${stack.namespace}:*`, count: 1000 })) {
      for (const full of batch as string[]) {
        const key = full.slice(stack.namespace.length + 1);
        for (const [kind, pattern] of Object.entries(kinds))
          if (pattern.test(key)) (found[kind] ??= []).push(key);
      }
    }
    for (const kind of Object.keys(kinds)) {
      expect([kind, (found[kind] ?? []).length > 0]).toEqual([kind, true]);
      for (const key of found[kind]) {
        const ttl = await redis.pttl(key);
        expect([key, ttl > 0]).toEqual([key, true]);
      }
    }
  });

  it('drops a SIGKILLed gateway from gw:instances by itself', async () => {
    const alive = `gw1-${stack.namespace}`;
    const killed = `gw2-${stack.namespace}`;
    await expectEventually(async () => {
      const members = await redis.zrange('gw:instances', 0, -1);
      expect(members).toEqual(expect.arrayContaining([alive, killed]));
    });
    expect(await redis.pttl('gw:instances')).toBeGreaterThan(0);
    await stack.gateways[1].stop('SIGKILL');
    await expectEventually(
      async () => {
        const members = await redis.zrange('gw:instances', 0, -1);
        expect(members).toContain(alive);
        expect(members).not.toContain(killed);
      },
      { timeoutMs: 40_000, intervalMs: 500 },
    );
  }, 60_000);
});
