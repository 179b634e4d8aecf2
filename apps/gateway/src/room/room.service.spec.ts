import { DEFAULT_ROOM_SETTINGS, type Danmaku } from '@danmaku/contracts';
import type { RecentBufferRepository, RecentWindow } from '../fanout/recent-buffer.repository';
import type { PresenceService } from '../presence/presence.service';
import type { RoomStateRepository } from './room-state.repository';
import { RoomService } from './room.service';
import type { SanctionsRepository } from './sanctions.repository';

let sanctions = { of: async () => ({}) } as unknown as SanctionsRepository;

function service(partial: Omit<RecentWindow, 'epoch'>): RoomService {
  const window: RecentWindow = { epoch: 'e1', ...partial };
  const rooms = { settings: async () => DEFAULT_ROOM_SETTINGS } as unknown as RoomStateRepository;
  const recent = { window: async () => window } as unknown as RecentBufferRepository;
  const presence = { changed: async () => 7 } as unknown as PresenceService;
  return new RoomService(rooms, recent, presence, sanctions, { GATEWAY_MAX_ROOMS_PER_SOCKET: 2 });
}

const d = (seq: number) => ({ seq }) as Danmaku;

describe('RoomService.joined: recovered', () => {
  it('is false on a fresh join (no sinceSeq)', async () => {
    const ack = await service({ items: [d(1)], oldestSeq: 1, lastSeq: 1 }).joined({ roomId: 'r' }, null);
    expect(ack).toMatchObject({ roomId: 'r', online: 7, recovered: false, recent: [d(1)] });
  });

  it('is true when the buffer reaches back to sinceSeq + 1', async () => {
    const ack = await service({ items: [d(5), d(6)], oldestSeq: 3, lastSeq: 6 }).joined(
      { roomId: 'r', sinceSeq: 4 },
      null,
    );
    expect(ack.recovered).toBe(true);
  });

  it('is true when the client already has the last seq (also for an empty room)', async () => {
    expect(
      (await service({ items: [], oldestSeq: 3, lastSeq: 6 }).joined({ roomId: 'r', sinceSeq: 6 }, null))
        .recovered,
    ).toBe(true);
    expect(
      (await service({ items: [], oldestSeq: 0, lastSeq: 0 }).joined({ roomId: 'r', sinceSeq: 0 }, null))
        .recovered,
    ).toBe(true);
  });

  it('is false when messages after sinceSeq fell out of the buffer', async () => {
    const ack = await service({ items: [d(10)], oldestSeq: 10, lastSeq: 10 }).joined(
      { roomId: 'r', sinceSeq: 4 },
      null,
    );
    expect(ack.recovered).toBe(false);
  });

  it('is false when the client is ahead of the room (state was reset)', async () => {
    const ack = await service({ items: [], oldestSeq: 1, lastSeq: 3 }).joined(
      { roomId: 'r', sinceSeq: 9 },
      null,
    );
    expect(ack.recovered).toBe(false);
  });
});

describe('RoomService.joined: the broadcast mark', () => {
  it('asks the buffer for nothing above the mark, and counts what is above it as coming live', async () => {
    let asked: unknown;
    const rooms = { settings: async () => DEFAULT_ROOM_SETTINGS } as unknown as RoomStateRepository;
    const recent = {
      window: async (_r: string, opts: unknown) => {
        asked = opts;
        return { items: [d(5)], oldestSeq: 1, lastSeq: 8, epoch: 'e1' };
      },
    } as unknown as RecentBufferRepository;
    const presence = { changed: async () => 1 } as unknown as PresenceService;
    const svc = new RoomService(rooms, recent, presence, sanctions, { GATEWAY_MAX_ROOMS_PER_SOCKET: 2 });
    expect((await svc.joined({ roomId: 'r', sinceSeq: 4 }, { seq: 5, epoch: 'e1' })).recovered).toBe(true);
    expect(asked).toEqual({ sinceSeq: 4, upTo: 5 });
    // The client already has seq 6 from elsewhere: the rest (7, 8) comes live here.
    expect((await svc.joined({ roomId: 'r', sinceSeq: 6 }, { seq: 5, epoch: 'e1' })).recovered).toBe(true);
  });
});

describe('RoomService.admit', () => {
  afterEach(() => {
    sanctions = { of: async () => ({}) } as unknown as SanctionsRepository;
  });

  it('refuses banned users with BANNED and until', async () => {
    sanctions = { of: async () => ({ bannedUntil: 1234 }) } as unknown as SanctionsRepository;
    await expect(service({ items: [], oldestSeq: 0, lastSeq: 0 }).admit('r', 'u')).rejects.toMatchObject({
      code: 'BANNED',
      details: { until: 1234 },
    });
  });

  it('lets muted users in (they may watch)', async () => {
    sanctions = { of: async () => ({ mutedUntil: 99 }) } as unknown as SanctionsRepository;
    await expect(service({ items: [], oldestSeq: 0, lastSeq: 0 }).admit('r', 'u')).resolves.toBeUndefined();
  });
});

describe('RoomService.checkRoomCap', () => {
  const svc = service({ items: [], oldestSeq: 0, lastSeq: 0 });
  it('lets a socket join up to the cap, and rejoin a room it is in', () => {
    expect(() => svc.checkRoomCap([], 'a')).not.toThrow();
    expect(() => svc.checkRoomCap(['a'], 'b')).not.toThrow();
    expect(() => svc.checkRoomCap(['a', 'b'], 'a')).not.toThrow();
  });
  it('refuses one more with TOO_MANY_ROOMS and the cap', () => {
    expect(() => svc.checkRoomCap(['a', 'b'], 'c')).toThrow(
      expect.objectContaining({ code: 'TOO_MANY_ROOMS', details: { max: 2 } }),
    );
  });
});
