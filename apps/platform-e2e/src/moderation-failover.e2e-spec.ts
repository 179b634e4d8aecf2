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

/** The longest silence a room may show around a moderation instance's death (issue 11: ~2 s). */
const MAX_PAUSE_MS = 3_000;

/**
 * Issue 11, item 2: two moderation instances share the decide group's partitions; when one
 * is killed mid-stream its rooms move to the other within the group's 2 s session timeout,
 * and viewers see every acknowledged danmaku once, in seq order, with no long pause.
 */
describe('one of two moderation instances dies mid-stream', () => {
  let stack: Stack;
  const sockets: ViewerSocket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2, moderations: 2 });
  }, 120_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await stack?.stop();
  });

  it('viewers miss nothing, see nothing twice and no pause over ~2 s', async () => {
    // Six rooms: spread over the submitted topic's partitions, so both instances own some.
    const rooms = Array.from({ length: 6 }, () => roomName());
    const watcher = await newUser(stack, 'watcher');
    const viewer = await connectViewer(stack.gateways[0].url, watcher.token);
    sockets.push(viewer);
    for (const roomId of rooms)
      expect(await emitAck(viewer, 'room:join', { roomId })).toMatchObject({ ok: true });
    const batches = recordEvents<DanmakuBatchEvent>(viewer, 'danmaku:batch');
    const arrivals = new Map<string, number[]>(rooms.map((r) => [r, []]));
    viewer.on('danmaku:batch', (b: DanmakuBatchEvent) => arrivals.get(b.roomId)?.push(Date.now()));

    // ~14 danmaku/s over six rooms for 8 s, from eight senders on the other gateway (each
    // below the per-user send rate of 20 per 10 s).
    const senders: ViewerSocket[] = [];
    for (let i = 0; i < 8; i++) {
      const u = await newUser(stack, `s${i}`);
      const s = await connectViewer(stack.gateways[1].url, u.token);
      sockets.push(s);
      for (const roomId of rooms) await emitAck(s, 'room:join', { roomId });
      senders.push(s);
    }
    const acked: { roomId: string; id: string }[] = [];
    let killedAt = 0;
    const started = Date.now();
    for (let i = 0; Date.now() - started < 8_000; i++) {
      if (!killedAt && Date.now() - started > 2_500) {
        await stack.moderations[0].stop('SIGKILL');
        killedAt = Date.now();
      }
      const roomId = rooms[i % rooms.length];
      const ack = await emitAck(senders[i % senders.length], 'danmaku:send', { roomId, text: `m${i}` });
      if (ack.ok) acked.push({ roomId, id: ack.id });
      await sleep(70);
    }
    expect(killedAt).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(80);

    // Everything acknowledged arrives, once, in seq order without gaps.
    await expectEventually(
      () => {
        const seen = new Set(batches.flatMap((b) => b.items.map((d) => d.id)));
        expect(acked.filter((a) => !seen.has(a.id))).toEqual([]);
      },
      { timeoutMs: 30_000 },
    );
    const pauses: number[] = [];
    for (const roomId of rooms) {
      const items = batches.filter((b) => b.roomId === roomId).flatMap((b) => b.items);
      expect(items.map((d) => d.seq)).toEqual(Array.from({ length: items.length }, (_, k) => k + 1));
      expect(new Set(items.map((d) => d.id)).size).toBe(items.length);
      const times = arrivals.get(roomId) ?? [];
      pauses.push(Math.max(...times.slice(1).map((t, k) => t - times[k])));
    }
    // The longest silence in any room: the hand-over of the dead instance's partitions.
    process.stdout.write(`moderation failover: longest pause per room ${pauses.join(', ')} ms\n`);
    expect(Math.max(...pauses)).toBeLessThan(MAX_PAUSE_MS);
  }, 120_000);
});
