import type { DanmakuBatchEvent } from '@danmaku/contracts';
import {
  connectViewer,
  emitAck,
  expectEventually,
  recordEvents,
  sleep,
  type ViewerSocket,
} from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack } from './stack';

/**
 * Issue 11, item 1: a gateway's death must not freeze live delivery on the other gateways
 * (every gateway reads every partition, ADR 0008), nor leave a gap in their viewers' seq.
 */
describe('a gateway dies mid-stream', () => {
  let stack: Stack;
  const sockets: ViewerSocket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
  }, 120_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await stack?.stop();
  });

  it('viewers on the surviving gateway miss nothing and see no pause over 2 s', async () => {
    const rooms = [roomName(), roomName(), roomName(), roomName()];
    const sender = await newUser(stack, 'sender');
    const watcher = await newUser(stack, 'watcher');
    const [senderSocket, survivor, doomed] = await Promise.all([
      connectViewer(stack.gateways[1].url, sender.token),
      connectViewer(stack.gateways[1].url, watcher.token),
      connectViewer(stack.gateways[0].url, watcher.token),
    ]);
    sockets.push(senderSocket, survivor, doomed);
    for (const roomId of rooms) {
      for (const s of [senderSocket, survivor, doomed])
        expect(await emitAck(s, 'room:join', { roomId })).toMatchObject({ ok: true });
    }
    const batches = recordEvents<DanmakuBatchEvent>(survivor, 'danmaku:batch');
    const arrivals = new Map<string, number[]>(rooms.map((r) => [r, []]));
    survivor.on('danmaku:batch', (b: DanmakuBatchEvent) => arrivals.get(b.roomId)?.push(Date.now()));

    // ~15 danmaku/s over four rooms for 6 s, from six senders so none reaches the per-user
    // send rate (20 per 10 s).
    const senders = [senderSocket];
    for (let i = 0; i < 5; i++) {
      const u = await newUser(stack, `s${i}`);
      const s = await connectViewer(stack.gateways[1].url, u.token);
      sockets.push(s);
      for (const roomId of rooms) await emitAck(s, 'room:join', { roomId });
      senders.push(s);
    }
    const acked: { roomId: string; id: string }[] = [];
    let killedAt = 0;
    const started = Date.now();
    for (let i = 0; Date.now() - started < 6_000; i++) {
      if (!killedAt && Date.now() - started > 2_000) {
        await stack.gateways[0].stop('SIGKILL');
        killedAt = Date.now();
      }
      const roomId = rooms[i % rooms.length];
      const ack = await emitAck(senders[i % senders.length], 'danmaku:send', { roomId, text: `m${i}` });
      if (ack.ok) acked.push({ roomId, id: ack.id });
      await sleep(60);
    }
    expect(killedAt).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(60);

    // Everything acknowledged arrives live on the survivor, in seq order without gaps.
    await expectEventually(
      () => {
        const seen = new Set(batches.flatMap((b) => b.items.map((d) => d.id)));
        expect(acked.filter((a) => !seen.has(a.id))).toEqual([]);
      },
      { timeoutMs: 20_000 },
    );
    for (const roomId of rooms) {
      const seqs = batches.filter((b) => b.roomId === roomId).flatMap((b) => b.items.map((d) => d.seq));
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1));
      // No pause: around the kill, consecutive deliveries to the room stay under 2 s apart.
      const times = arrivals.get(roomId) ?? [];
      const gaps = times.slice(1).map((t, k) => t - times[k]);
      expect(Math.max(...gaps)).toBeLessThan(2_000);
    }
  }, 120_000);
});
