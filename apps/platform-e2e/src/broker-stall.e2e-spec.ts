import type { DanmakuBatchEvent } from '@danmaku/contracts';
import {
  connectViewer,
  emitAck,
  expectEventually,
  httpJson,
  pauseLocalKafka,
  recordEvents,
  type ViewerSocket,
} from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack } from './stack';

/**
 * Issue 11, item 3: a stalled broker is visible (every app's /readyz says 503 within
 * seconds) and answered fast (a send with a nonce gets UNAVAILABLE within ~3 s); when it
 * comes back everything resumes and nothing acknowledged is lost or doubled.
 */
describe('a stalled Kafka broker', () => {
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
});
