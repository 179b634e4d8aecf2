import type { Danmaku } from '@danmaku/contracts';

/**
 * A valid accepted danmaku for tests, with everything but what a test names defaulted.
 * @example const d = danmakuFixture({ roomId: 'r', seq: 3 });
 */
export function danmakuFixture(over: Partial<Danmaku> = {}): Danmaku {
  const roomId = over.roomId ?? 'room';
  const seq = over.seq ?? 1;
  return {
    id: `${roomId}-${seq}`,
    roomId,
    seq,
    userId: 'u',
    nickname: 'n',
    text: 't',
    mode: 'scroll',
    color: '#ffffff',
    size: 'medium',
    sentAt: Date.now(),
    sessionId: null,
    offsetMs: null,
    ...over,
  };
}
