import type { DanmakuBatchEvent } from '@danmaku/contracts';
import {
  connectViewer,
  emitAck,
  expectEventually,
  pauseLocalKafka,
  recordEvents,
  sleep,
  type ViewerSocket,
} from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack } from './stack';

/**
 * Issue 11, item 0: a resend of a nonce whose first attempt is stuck (the broker stalls)
 * must never be answered `ok` for a danmaku that then goes missing.
 */
describe('a nonce resend while the first attempt is stuck in a stalled broker', () => {
  let stack: Stack;
  let resume: (() => void) | undefined;
  const sockets: ViewerSocket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
  }, 120_000);

  afterAll(async () => {
    resume?.();
    sockets.forEach((s) => s.close());
    await stack?.stop();
  });

  it('waits for the outcome across instances, answers a retryable code meanwhile, and every ok is delivered once', async () => {
    const roomId = roomName();
    const alice = await newUser(stack, 'alice');
    const bob = await newUser(stack, 'bob');
    const [first, second, viewer] = await Promise.all([
      connectViewer(stack.gateways[0].url, alice.token),
      connectViewer(stack.gateways[1].url, alice.token),
      connectViewer(stack.gateways[1].url, bob.token),
    ]);
    sockets.push(first, second, viewer);
    for (const s of [first, second, viewer])
      expect(await emitAck(s, 'room:join', { roomId })).toMatchObject({ ok: true });
    const batches = recordEvents<DanmakuBatchEvent>(viewer, 'danmaku:batch');
    // The pipeline works before the stall (warms every producer and consumer).
    expect(await emitAck(first, 'danmaku:send', { roomId, text: 'warm-up' })).toMatchObject({ ok: true });
    await expectEventually(
      () => expect(batches.flatMap((b) => b.items).map((d) => d.text)).toEqual(['warm-up']),
      { timeoutMs: 15_000 },
    );

    const nonce = 'resend-while-stuck';
    resume = pauseLocalKafka();
    const firstAttempt = emitAck(first, 'danmaku:send', { roomId, text: 'stuck', nonce }, 60_000);
    await sleep(500);
    // The same sender resends through the other gateway, and through the same one.
    const t0 = Date.now();
    const [elsewhere, same] = await Promise.all([
      emitAck(second, 'danmaku:send', { roomId, text: 'stuck', nonce }, 10_000),
      emitAck(first, 'danmaku:send', { roomId, text: 'stuck', nonce }, 10_000),
    ]);
    const answeredAfterMs = Date.now() - t0;
    resume();

    for (const ack of [elsewhere, same]) {
      expect(ack).toMatchObject({
        ok: false,
        error: { code: 'UNAVAILABLE', retryAfterMs: expect.any(Number) },
      });
    }
    // Answered within the SDK's 5 s ack timeout, so the client can retry with the nonce.
    expect(answeredAfterMs).toBeLessThan(5_000);

    // The first attempt is answered within GATEWAY_SEND_TIMEOUT_MS: ok if Kafka confirmed it
    // by then, else UNAVAILABLE with details.pending (its outcome is still to come).
    const firstAck = await firstAttempt;
    if (!firstAck.ok)
      expect(firstAck).toMatchObject({ error: { code: 'UNAVAILABLE', details: { pending: true } } });
    // Once it is queued, every resend on either instance answers its one id.
    const queued = await expectEventually(
      async () => {
        const ack = await emitAck(second, 'danmaku:send', { roomId, text: 'stuck', nonce });
        expect(ack).toEqual({ ok: true, id: expect.any(String) });
        return ack as { ok: true; id: string };
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    if (firstAck.ok) expect(queued.id).toBe(firstAck.id);
    expect(await emitAck(first, 'danmaku:send', { roomId, text: 'stuck', nonce })).toEqual({
      ok: true,
      id: queued.id,
    });
    await expectEventually(
      () => expect(batches.flatMap((b) => b.items).map((d) => d.id)).toContain(queued.id),
      {
        timeoutMs: 30_000,
      },
    );
    await sleep(1000);
    const delivered = batches.flatMap((b) => b.items);
    expect(delivered.filter((d) => d.text === 'stuck')).toHaveLength(1);
    expect(delivered.map((d) => d.seq)).toEqual([1, 2]);
  }, 120_000);
});
