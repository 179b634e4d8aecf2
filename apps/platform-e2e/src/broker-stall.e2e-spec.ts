import type { DanmakuBatchEvent } from '@danmaku/contracts';
import {
  connectViewer,
  emitAck,
  expectEventually,
  httpJson,
  pauseLocalKafka,
  recordEvents,
  sleep,
  type ViewerSocket,
} from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack } from './stack';

/**
 * Issue 11, item 3: a stalled broker is visible (every app's /readyz says 503 within
 * seconds) and answered fast (a send with a nonce gets UNAVAILABLE within ~3 s); when it
 * comes back everything resumes and nothing acknowledged is lost or doubled.
 */
describe('a stalled Kafka broker (issue 11, items 0 and 3)', () => {
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

  const apps = () => [stack.auth, stack.moderation, stack.replay, ...stack.gateways];
  const readyz = async () =>
    Promise.all(apps().map(async (a) => (await httpJson('GET', `${a.url}/readyz`)).status));

  it('turns /readyz 503 within seconds, answers sends UNAVAILABLE within ~3 s, and resumes without loss', async () => {
    const roomId = roomName();
    const alice = await newUser(stack, 'alice');
    const bob = await newUser(stack, 'bob');
    const [sender, viewer] = await Promise.all([
      connectViewer(stack.gateways[0].url, alice.token),
      connectViewer(stack.gateways[1].url, bob.token),
    ]);
    sockets.push(sender, viewer);
    for (const s of [sender, viewer])
      expect(await emitAck(s, 'room:join', { roomId })).toMatchObject({ ok: true });
    const batches = recordEvents<DanmakuBatchEvent>(viewer, 'danmaku:batch');
    expect(await emitAck(sender, 'danmaku:send', { roomId, text: 'before', nonce: 'b0' })).toMatchObject({
      ok: true,
    });
    expect(await readyz()).toEqual(apps().map(() => 200));

    resume = pauseLocalKafka();
    const stalledAt = Date.now();
    const t0 = Date.now();
    const during = await emitAck(sender, 'danmaku:send', { roomId, text: 'during', nonce: 'd1' }, 10_000);
    const answeredInMs = Date.now() - t0;
    expect(during).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(answeredInMs).toBeLessThan(4_000);
    await expectEventually(async () => expect(await readyz()).toEqual(apps().map(() => 503)), {
      timeoutMs: 8_000,
      intervalMs: 250,
    });
    const notReadyAfterMs = Date.now() - stalledAt;
    resume();

    await expectEventually(async () => expect(await readyz()).toEqual(apps().map(() => 200)), {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    // The resend learns the stalled attempt's outcome: its id once queued (never a second message).
    const resend = await expectEventually(
      async () => {
        const ack = await emitAck(sender, 'danmaku:send', { roomId, text: 'during', nonce: 'd1' }, 10_000);
        expect(ack).toMatchObject({ ok: true });
        return ack as { ok: true; id: string };
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(await emitAck(sender, 'danmaku:send', { roomId, text: 'after', nonce: 'a1' })).toMatchObject({
      ok: true,
    });
    await expectEventually(
      () => expect(batches.flatMap((b) => b.items).map((d) => d.text)).toEqual(['before', 'during', 'after']),
      {
        timeoutMs: 30_000,
      },
    );
    const items = batches.flatMap((b) => b.items);
    expect(items.find((d) => d.text === 'during')?.id).toBe(resend.id);
    expect(items.map((d) => d.seq)).toEqual([1, 2, 3]);
    expect(notReadyAfterMs).toBeLessThan(8_000);
  }, 120_000);

  // Item 0: a resend of a nonce whose first attempt is stuck must never be answered `ok`
  // for a danmaku that then goes missing.
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
