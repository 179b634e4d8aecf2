import { connectViewer, emitAck, type ViewerSocket } from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack } from './stack';
import { streamThroughFault, watchRooms } from './stream-through-fault';

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
    const watch = watchRooms(viewer, rooms);

    // ~14 danmaku/s over six rooms for 8 s from eight senders on the other gateway; the first
    // moderation instance is SIGKILLed 2.5 s in.
    const { acked, faultAt } = await streamThroughFault(stack, {
      rooms,
      gateway: 1,
      senders: 8,
      durationMs: 8_000,
      intervalMs: 70,
      faultAfterMs: 2_500,
      fault: () => stack.moderations[0].stop('SIGKILL'),
      sockets,
    });
    expect(faultAt).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(80);

    // Everything acknowledged arrives, once, in seq order without gaps; the longest silence
    // in any room is the hand-over of the dead instance's partitions.
    await watch.expectAllOnceInOrder(acked, 30_000);
    const pauses = watch.longestPauses();
    process.stdout.write(`moderation failover: longest pause per room ${pauses.join(', ')} ms\n`);
    expect(Math.max(...pauses)).toBeLessThan(MAX_PAUSE_MS);
  }, 120_000);
});
