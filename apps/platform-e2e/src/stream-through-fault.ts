import type { DanmakuBatchEvent } from '@danmaku/contracts';
import { connectViewer, emitAck, expectEventually, sleep, type ViewerSocket } from '@danmaku/testing';
import { newUser, type Stack } from './stack';

export interface FaultStream {
  /** Danmaku acknowledged `ok` to their senders. */
  acked: { roomId: string; id: string }[];
  /** When the fault was set off (0: never). */
  faultAt: number;
}

/**
 * Senders on `gateway` (each below the per-user send rate of 20 per 10 s) spread danmaku
 * over `rooms`, one every `intervalMs`, for `durationMs`; `fault` runs once, `faultAfterMs`
 * in. The senders' sockets go into `sockets` for the caller to close.
 */
export async function streamThroughFault(
  stack: Stack,
  opts: {
    rooms: string[];
    gateway: number;
    senders: number;
    durationMs: number;
    intervalMs: number;
    faultAfterMs: number;
    fault: () => Promise<void>;
    sockets: ViewerSocket[];
  },
): Promise<FaultStream> {
  const senders: ViewerSocket[] = [];
  for (let i = 0; i < opts.senders; i++) {
    const u = await newUser(stack, `s${i}`);
    const s = await connectViewer(stack.gateways[opts.gateway].url, u.token);
    opts.sockets.push(s);
    for (const roomId of opts.rooms) await emitAck(s, 'room:join', { roomId });
    senders.push(s);
  }
  const acked: FaultStream['acked'] = [];
  let faultAt = 0;
  const started = Date.now();
  for (let i = 0; Date.now() - started < opts.durationMs; i++) {
    if (!faultAt && Date.now() - started > opts.faultAfterMs) {
      await opts.fault();
      faultAt = Date.now();
    }
    const roomId = opts.rooms[i % opts.rooms.length];
    const ack = await emitAck(senders[i % senders.length], 'danmaku:send', { roomId, text: `m${i}` });
    if (ack.ok) acked.push({ roomId, id: ack.id });
    await sleep(opts.intervalMs);
  }
  return { acked, faultAt };
}

/** Records a viewer's batches and, per room, when each arrived. */
export function watchRooms(viewer: ViewerSocket, rooms: string[]) {
  const batches: DanmakuBatchEvent[] = [];
  const arrivals = new Map<string, number[]>(rooms.map((r) => [r, []]));
  viewer.on('danmaku:batch', (b: DanmakuBatchEvent) => {
    batches.push(b);
    arrivals.get(b.roomId)?.push(Date.now());
  });
  return {
    batches,
    /** Waits until every acknowledged danmaku arrived, then checks each room's stream. */
    async expectAllOnceInOrder(acked: FaultStream['acked'], timeoutMs: number): Promise<void> {
      await expectEventually(
        () => {
          const seen = new Set(batches.flatMap((b) => b.items.map((d) => d.id)));
          expect(acked.filter((a) => !seen.has(a.id))).toEqual([]);
        },
        { timeoutMs },
      );
      for (const roomId of rooms) {
        const items = batches.filter((b) => b.roomId === roomId).flatMap((b) => b.items);
        expect(items.map((d) => d.seq)).toEqual(Array.from({ length: items.length }, (_, k) => k + 1));
        expect(new Set(items.map((d) => d.id)).size).toBe(items.length);
      }
    },
    /** The longest silence between two deliveries, per room. */
    longestPauses(): number[] {
      return rooms.map((roomId) => {
        const times = arrivals.get(roomId) ?? [];
        return Math.max(...times.slice(1).map((t, k) => t - times[k]));
      });
    },
  };
}
