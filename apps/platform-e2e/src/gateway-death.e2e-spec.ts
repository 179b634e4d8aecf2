import { connectViewer, emitAck, type ViewerSocket } from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack } from './stack';
import { streamThroughFault, watchRooms } from './stream-through-fault';

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
    const watcher = await newUser(stack, 'watcher');
    const [survivor, doomed] = await Promise.all([
      connectViewer(stack.gateways[1].url, watcher.token),
      connectViewer(stack.gateways[0].url, watcher.token),
    ]);
    sockets.push(survivor, doomed);
    for (const roomId of rooms) {
      for (const s of [survivor, doomed])
        expect(await emitAck(s, 'room:join', { roomId })).toMatchObject({ ok: true });
    }
    const watch = watchRooms(survivor, rooms);

    // ~15 danmaku/s over four rooms for 6 s from six senders on the surviving gateway;
    // gateway 1 is SIGKILLed 2 s in.
    const { acked, faultAt } = await streamThroughFault(stack, {
      rooms,
      gateway: 1,
      senders: 6,
      durationMs: 6_000,
      intervalMs: 60,
      faultAfterMs: 2_000,
      fault: () => stack.gateways[0].stop('SIGKILL'),
      sockets,
    });
    expect(faultAt).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(60);

    // Everything acknowledged arrives live on the survivor, once, in seq order without gaps,
    // and around the kill consecutive deliveries to each room stay under 2 s apart.
    await watch.expectAllOnceInOrder(acked, 20_000);
    expect(Math.max(...watch.longestPauses())).toBeLessThan(2_000);
  }, 120_000);
});
