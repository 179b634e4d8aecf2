import type { Danmaku, DanmakuBatchEvent, RoomOnlineEvent } from '@danmaku/contracts';
import { DanmakuClient } from '@danmaku/client';
import {
  connectViewer,
  emitAck,
  expectEventually,
  httpJson,
  recordEvents,
  type ViewerSocket,
} from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack, type TestUser } from './stack';

function items(batches: DanmakuBatchEvent[], roomId: string): Danmaku[] {
  return batches.filter((b) => b.roomId === roomId).flatMap((b) => b.items);
}

async function metric(metricsUrl: string, name: string): Promise<number> {
  const text = (await httpJson('GET', `${metricsUrl}/metrics`)).body as string;
  const line = text.split('\n').find((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Delivery at scale, in miniature: merging, order, recovery, slow viewers, online counts. */
describe('delivery (2 gateways)', () => {
  let stack: Stack;
  let senders: TestUser[];
  const sockets: ViewerSocket[] = [];
  const clients: DanmakuClient[] = [];

  async function viewer(gateway: number, token: string) {
    const s = await connectViewer(stack.gateways[gateway].url, token);
    sockets.push(s);
    return s;
  }

  beforeAll(async () => {
    stack = await startStack({
      gateways: 2,
      env: {
        // Load from few senders: flood control would (rightly) refuse most of it.
        moderation: { MODERATION_FLOOD_MAX: '0' },
        gateway: {
          GATEWAY_SEND_RATE_LIMIT: '100000',
          GATEWAY_SOCKET_BUFFER_BYTES: '65536',
          GATEWAY_SLOW_CONSUMER_GRACE_MS: '300',
          GATEWAY_ONLINE_INTERVAL_MS: '500',
        },
      },
    });
    senders = await Promise.all([1, 2, 3].map((i) => newUser(stack, `s${i}`)));
  }, 120_000);

  afterEach(() => {
    while (sockets.length) sockets.pop()?.close();
    while (clients.length) clients.pop()?.close();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('merges a burst into few batches, in seq order with no gaps, on both instances', async () => {
    const roomId = roomName();
    const watchers = [await viewer(0, senders[0].token), await viewer(1, senders[1].token)];
    const recorded = watchers.map((w) => recordEvents<DanmakuBatchEvent>(w, 'danmaku:batch'));
    for (const w of watchers) await emitAck(w, 'room:join', { roomId });
    const sendSockets = await Promise.all(senders.map((u, i) => viewer(i % 2, u.token)));
    for (const s of sendSockets) await emitAck(s, 'room:join', { roomId });

    const total = 300;
    await Promise.all(
      sendSockets.map(async (s, k) => {
        for (let i = 0; i < total / sendSockets.length; i++) {
          const ack = await emitAck(s, 'danmaku:send', { roomId, text: `burst ${k}-${i}` });
          expect(ack.ok).toBe(true);
        }
      }),
    );
    for (const batches of recorded) {
      await expectEventually(() => expect(items(batches, roomId)).toHaveLength(total), { timeoutMs: 20_000 });
      expect(items(batches, roomId).map((d) => d.seq)).toEqual(
        Array.from({ length: total }, (_, i) => i + 1),
      );
      // Merging happened: far fewer frames than messages.
      expect(batches.filter((b) => b.roomId === roomId).length).toBeLessThan(total / 2);
    }
  });

  it('the client SDK recovers what it missed while its gateway was down, once each and in order', async () => {
    const roomId = roomName();
    const got: Danmaku[] = [];
    const resyncs: string[] = [];
    const client = new DanmakuClient({
      url: stack.gateways[1].url,
      token: senders[1].token,
      onDanmaku: (_room, list) => got.push(...list),
      onResync: (r) => resyncs.push(r),
    });
    clients.push(client);
    await client.connect();
    await client.join(roomId);
    const sender = await viewer(0, senders[0].token);
    await emitAck(sender, 'room:join', { roomId });
    for (let i = 0; i < 5; i++) await emitAck(sender, 'danmaku:send', { roomId, text: `before ${i}` });
    await expectEventually(() => expect(got).toHaveLength(5));

    // Take the SDK's gateway down, send meanwhile, bring it back on the same port.
    await stack.gateways[1].stop();
    for (let i = 0; i < 10; i++) await emitAck(sender, 'danmaku:send', { roomId, text: `during ${i}` });
    await stack.restartGateway(1);
    for (let i = 0; i < 5; i++) await emitAck(sender, 'danmaku:send', { roomId, text: `after ${i}` });

    await expectEventually(
      () => expect(got.map((d) => d.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1)),
      {
        timeoutMs: 20_000,
      },
    );
    expect(got.map((d) => d.text).slice(5, 15)).toEqual(Array.from({ length: 10 }, (_, i) => `during ${i}`));
    expect(resyncs).toEqual([]);
  }, 60_000);

  it('drops and then disconnects a viewer that stops reading, without holding up the others', async () => {
    const roomId = roomName();
    const gw = stack.gateways[0];
    const dropsBefore = await metric(gw.metricsUrl, 'gateway_slow_consumer_disconnects_total');
    const fast = await viewer(0, senders[0].token);
    const slow = await viewer(0, senders[1].token);
    const fastBatches = recordEvents<DanmakuBatchEvent>(fast, 'danmaku:batch');
    await emitAck(fast, 'room:join', { roomId });
    await emitAck(slow, 'room:join', { roomId });
    // Stop reading: the server's writes pile up in the kernel, then in its own buffers.
    const engine = slow.io.engine as unknown as { transport: { ws?: { _socket?: { pause(): void } } } };
    const raw = engine.transport.ws?._socket;
    expect(raw).toBeDefined();
    raw?.pause();
    const slowGone = new Promise<void>((r) => slow.once('disconnect', () => r()));

    const sender = await viewer(1, senders[2].token);
    await emitAck(sender, 'room:join', { roomId });
    const text = 'x'.repeat(90);
    let sent = 0;
    // Bounded flood (kernel socket buffers take a few MB first): stop once the server has cut
    // the slow viewer off, or after 40,000 messages / 40 s.
    const deadline = Date.now() + 40_000;
    while (
      sent < 40_000 &&
      Date.now() < deadline &&
      (await metric(gw.metricsUrl, 'gateway_slow_consumer_disconnects_total')) === dropsBefore
    ) {
      const acks = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          emitAck(sender, 'danmaku:send', { roomId, text: `${sent + i} ${text}` }),
        ),
      );
      expect(acks.every((a) => a.ok)).toBe(true);
      sent += 500;
      // Let delivery keep pace so the fast viewer is measured, not the sender.
      await expectEventually(() => expect(items(fastBatches, roomId).length).toBeGreaterThan(sent - 2000), {
        timeoutMs: 10_000,
      });
    }
    expect(await metric(gw.metricsUrl, 'gateway_slow_consumer_disconnects_total')).toBeGreaterThan(
      dropsBefore,
    );
    expect(await metric(gw.metricsUrl, 'gateway_slow_consumer_drops_total')).toBeGreaterThan(0);
    // The fast viewer on the same instance got every message, promptly.
    const t0 = Date.now();
    await expectEventually(() => expect(items(fastBatches, roomId)).toHaveLength(sent), {
      timeoutMs: 15_000,
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(items(fastBatches, roomId).map((d) => d.seq)).toEqual(
      Array.from({ length: sent }, (_, i) => i + 1),
    );
    (raw as unknown as { resume(): void } | undefined)?.resume();
    await slowGone;
  }, 90_000);

  it('pushes online counts across instances, only when they change', async () => {
    const roomId = roomName();
    const a = await viewer(0, senders[0].token);
    const b = await viewer(1, senders[1].token);
    const c = await viewer(1, senders[2].token);
    const seenA = recordEvents<RoomOnlineEvent>(a, 'room:online');
    const seenB = recordEvents<RoomOnlineEvent>(b, 'room:online');
    for (const s of [a, b, c]) await emitAck(s, 'room:join', { roomId });
    await expectEventually(() => {
      expect(seenA.at(-1)).toEqual({ roomId, count: 3 });
      expect(seenB.at(-1)).toEqual({ roomId, count: 3 });
    });
    await emitAck(c, 'room:leave', { roomId });
    await expectEventually(() => {
      expect(seenA.at(-1)).toEqual({ roomId, count: 2 });
      expect(seenB.at(-1)).toEqual({ roomId, count: 2 });
    });
    // Unchanged counts are not pushed again.
    const before = seenA.length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(seenA.length).toBe(before);
  });
});
