import { io } from 'socket.io-client';
import { emitAck, expectEventually, httpJson, type ViewerSocket } from '@danmaku/testing';
import { adminToken, newUser, roomName, startStack, type Stack } from './stack';

/**
 * Issue 14, item 5: viewers that stop reading are dropped by the slow-consumer policy, counted
 * in its metrics, while heartbeats alone would keep them (the ping interval here is longer
 * than the test) and a healthy viewer of the same room keeps receiving.
 */
describe('stalled viewers (real gateway)', () => {
  let stack: Stack;
  const sockets: ViewerSocket[] = [];
  const STALLED = 50;
  const GRACE_MS = 2_000;

  beforeAll(async () => {
    stack = await startStack({
      gateways: 1,
      env: {
        gateway: {
          GATEWAY_SLOW_CONSUMER_GRACE_MS: String(GRACE_MS),
          GATEWAY_PING_INTERVAL_MS: '120000',
          GATEWAY_PING_TIMEOUT_MS: '120000',
          GATEWAY_SEND_RATE_LIMIT: '100000',
        },
        moderation: { MODERATION_FLOOD_MAX: '0', MODERATION_DUPLICATE_WINDOW_MS: '0' },
      },
    });
  }, 120_000);

  afterAll(async () => {
    // A paused client never reads the server's close: destroy its TCP socket too.
    sockets.forEach((s) => {
      (
        s.io.engine as unknown as { transport?: { ws?: { _socket?: { destroy(): void } } } }
      ).transport?.ws?._socket?.destroy();
      s.close();
    });
    await stack?.stop();
  });

  function connect(token: string): Promise<ViewerSocket> {
    const s: ViewerSocket = io(stack.gateways[0].url, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    sockets.push(s);
    return new Promise((resolve, reject) => {
      s.once('connect', () => resolve(s));
      s.once('connect_error', reject);
    });
  }

  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${stack.gateways[0].metricsUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it(`drops ${STALLED} viewers that stop reading within seconds, counted, while a healthy one keeps up`, async () => {
    const roomId = roomName();
    // Large danmaku (500 emoji, 2 KB) so the kernel buffers of both ends fill within seconds.
    const admin = await adminToken(stack);
    const patched = await httpJson('PATCH', `${stack.moderation.url}/v1/rooms/${roomId}/settings`, {
      token: admin,
      body: { maxLength: 500 },
    });
    expect(patched.status).toBe(200);
    const sender = await connect((await newUser(stack, 'sender')).token);
    const viewer = await newUser(stack, 'viewer');
    const healthy = await connect(viewer.token);
    let healthyItems = 0;
    healthy.on('danmaku:batch', (b) => (healthyItems += b.items.length));
    for (const s of [sender, healthy])
      expect(await emitAck(s, 'room:join', { roomId })).toMatchObject({ ok: true });
    const stalled = await Promise.all(Array.from({ length: STALLED }, () => connect(viewer.token)));
    for (const s of stalled) expect(await emitAck(s, 'room:join', { roomId })).toMatchObject({ ok: true });
    const disconnectsBefore = await metric('gateway_slow_consumer_disconnects_total');
    for (const s of stalled) {
      (
        s.io.engine as unknown as { transport: { ws: { _socket: { pause(): void } } } }
      ).transport.ws._socket.pause();
    }

    // 100 danmaku/s until the stalled viewers are gone.
    const text = '🎉'.repeat(499);
    let sent = 0;
    const started = Date.now();
    const sending = setInterval(() => {
      for (let i = 0; i < 5; i++)
        sender.emit('danmaku:send', { roomId, text: `${text}${sent++ % 10}` }, () => undefined);
    }, 50);
    try {
      await expectEventually(
        async () => {
          expect(await metric('gateway_slow_consumer_disconnects_total')).toBeGreaterThanOrEqual(
            disconnectsBefore + STALLED,
          );
          expect(await metric('gateway_connections')).toBe(2);
        },
        // Paused within ~1 s of data (GATEWAY_SOCKET_PROBE_BYTES, 128 KiB), then the 2 s grace.
        { timeoutMs: 15_000, intervalMs: 250 },
      );
    } finally {
      clearInterval(sending);
    }
    const tookMs = Date.now() - started;
    expect(tookMs).toBeLessThan(15_000);
    expect(healthy.connected).toBe(true);
    expect(sender.connected).toBe(true);
    await expectEventually(() => expect(healthyItems).toBeGreaterThan(sent / 2), { timeoutMs: 10_000 });
  }, 120_000);
});
