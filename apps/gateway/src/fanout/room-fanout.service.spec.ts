import type { DanmakuBatchEvent } from '@danmaku/contracts';
import { MetricsService } from '@danmaku/platform';
import { danmakuFixture } from '@danmaku/testing';
import type { GatewayConfig } from '../config/gateway.config';
import type { SocketServerRef } from '../socket/socket-server.ref';
import { mergeWindowFor, RoomFanoutService } from './room-fanout.service';

const d = (roomId: string, seq: number) => danmakuFixture({ roomId, seq });

function setup() {
  const frames: { at: number; batch: DanmakuBatchEvent }[] = [];
  const operator = {
    except: () => operator,
    emit: (_event: string, batch: DanmakuBatchEvent) => frames.push({ at: Date.now(), batch }),
  };
  const server = { io: { local: { to: () => operator } } } as unknown as SocketServerRef;
  const config = { GATEWAY_MERGE_WINDOW_MS: 50, GATEWAY_MERGE_WINDOW_MAX_MS: 250 } as GatewayConfig;
  return { frames, fanout: new RoomFanoutService(server, config, new MetricsService()) };
}

describe('RoomFanoutService: the adaptive merge window', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('sends a quiet room its danmaku at once, alone', () => {
    const { frames, fanout } = setup();
    fanout.enqueue([{ danmaku: d('quiet', 1), epoch: 'e' }]);
    expect(frames.map((f) => f.batch)).toEqual([{ roomId: 'quiet', items: [d('quiet', 1)], epoch: 'e' }]);
  });

  it('keeps a busy room under 20 frames a second, every danmaku once and in seq order', () => {
    const { frames, fanout } = setup();
    // 200 danmaku/s for 2 s, arriving every 5 ms.
    for (let seq = 1; seq <= 400; seq++) {
      fanout.enqueue([{ danmaku: d('busy', seq), epoch: 'e' }]);
      jest.advanceTimersByTime(5);
    }
    jest.advanceTimersByTime(100);
    const seqs = frames.flatMap((f) => f.batch.items.map((i) => i.seq));
    expect(seqs).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    const gaps = frames.slice(1).map((f, i) => f.at - frames[i].at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(50);
    expect(frames.length).toBeLessThanOrEqual(2 * 20 + 1);
  });

  it('drops redelivered seqs, and starts over when the room moves to a new epoch', () => {
    const { frames, fanout } = setup();
    fanout.enqueue([1, 2].map((seq) => ({ danmaku: d('r', seq), epoch: 'old' })));
    jest.advanceTimersByTime(60);
    fanout.enqueue([{ danmaku: d('r', 2), epoch: 'old' }]);
    jest.advanceTimersByTime(60);
    expect(fanout.broadcastMark('r')).toEqual({ seq: 2, epoch: 'old' });
    fanout.enqueue([{ danmaku: d('r', 1), epoch: 'new' }]);
    jest.advanceTimersByTime(60);
    expect(frames.map((f) => [f.batch.epoch, f.batch.items.map((i) => i.seq)])).toEqual([
      ['old', [1, 2]],
      ['new', [1]],
    ]);
    expect(fanout.broadcastMark('r')).toEqual({ seq: 1, epoch: 'new' });
  });
});

describe('mergeWindowFor: the window grows only when the event loop lacks headroom', () => {
  it('stays at its base up to 60 % busy, then grows in proportion, to the cap when never idle', () => {
    expect([0, 0.3, 0.6].map((u) => mergeWindowFor(u, 50, 250))).toEqual([50, 50, 50]);
    expect([0.7, 0.8, 0.9].map((u) => mergeWindowFor(u, 50, 250))).toEqual([100, 150, 200]);
    expect([1, 1.2].map((u) => mergeWindowFor(u, 50, 250))).toEqual([250, 250]);
    expect(mergeWindowFor(1, 50, 50)).toBe(50);
  });
});
