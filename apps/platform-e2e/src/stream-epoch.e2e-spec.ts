import type { Danmaku, DanmakuBatchEvent } from '@danmaku/contracts';
import { DanmakuClient } from '@danmaku/client';
import { createRedisClient } from '@danmaku/platform';
import {
  connectViewer,
  emitAck,
  expectEventually,
  recordEvents,
  testInfra,
  type ViewerSocket,
} from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack } from './stack';

/**
 * Issue 11, item 4: when a room's seq state is lost (Redis restarted without its data:
 * simulated here by deleting that room's seq counter, epoch and recent buffer), its seqs
 * restart at 1 under a new epoch, and an SDK client keeps receiving instead of dropping
 * every new danmaku as already seen.
 */
describe('a room whose seq state is lost', () => {
  let stack: Stack;
  const sockets: ViewerSocket[] = [];
  const clients: DanmakuClient[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 2 });
  }, 120_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    sockets.forEach((s) => s.close());
    await stack?.stop();
  });

  it('moves to a new epoch; the SDK resyncs and delivers the new seqs; joins report the epoch', async () => {
    const roomId = roomName();
    const [alice, bob] = await Promise.all([newUser(stack, 'alice'), newUser(stack, 'bob')]);
    const got: Danmaku[] = [];
    const resyncs: string[] = [];
    const client = new DanmakuClient({
      url: stack.gateways[1].url,
      token: bob.token,
      onDanmaku: (_room, list) => got.push(...list),
      onResync: (r) => resyncs.push(r),
    });
    clients.push(client);
    await client.connect();
    const firstJoin = await client.join(roomId);
    expect(firstJoin.epoch).toBe('');
    const sender = await connectViewer(stack.gateways[0].url, alice.token);
    sockets.push(sender);
    const batches = recordEvents<DanmakuBatchEvent>(sender, 'danmaku:batch');
    await emitAck(sender, 'room:join', { roomId });
    for (let i = 0; i < 3; i++) await emitAck(sender, 'danmaku:send', { roomId, text: `old ${i}` });
    await expectEventually(() => expect(got.map((d) => d.seq)).toEqual([1, 2, 3]), { timeoutMs: 15_000 });
    const oldEpoch = batches[0].epoch;
    expect(oldEpoch).toEqual(expect.any(String));

    // The room's state is lost.
    const redis = createRedisClient({
      url: testInfra().redisUrl,
      namespace: stack.namespace,
      name: 'epoch-e2e',
    });
    try {
      await redis.del(
        `mod:room:${roomId}:seq`,
        `room:{${roomId}}:epoch`,
        `room:{${roomId}}:recent`,
        `room:{${roomId}}:last-seq`,
      );
    } finally {
      redis.disconnect();
    }

    for (let i = 0; i < 2; i++) await emitAck(sender, 'danmaku:send', { roomId, text: `new ${i}` });
    await expectEventually(
      () => expect(got.map((d) => d.text)).toEqual(['old 0', 'old 1', 'old 2', 'new 0', 'new 1']),
      {
        timeoutMs: 15_000,
      },
    );
    expect(got.slice(3).map((d) => d.seq)).toEqual([1, 2]);
    expect(resyncs).toEqual([roomId]);
    const newEpoch = batches.at(-1)?.epoch;
    expect(newEpoch).toEqual(expect.any(String));
    expect(newEpoch).not.toBe(oldEpoch);
    // A fresh join sees the new epoch and only the new stream's danmaku.
    const late = await connectViewer(stack.gateways[0].url, bob.token);
    sockets.push(late);
    const ack = await emitAck(late, 'room:join', { roomId });
    expect(ack).toMatchObject({ ok: true, epoch: newEpoch });
    expect(ack.recent.map((d: Danmaku) => d.text)).toEqual(['new 0', 'new 1']);
  }, 120_000);
});
