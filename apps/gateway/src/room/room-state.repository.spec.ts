import type Redis from 'ioredis';
import { DEFAULT_ROOM_SETTINGS, sharedRedisKeys, type RoomSettings } from '@danmaku/contracts';
import type { GatewayConfig } from '../config/gateway.config';
import { RoomStateRepository } from './room-state.repository';

/** A Redis whose GET answers when the test says so, counting the calls. */
function fakeRedis() {
  const gets: { key: string; answer: (raw: string | null) => void; fail: (e: Error) => void }[] = [];
  const redis = {
    get: (key: string) => new Promise<string | null>((answer, fail) => gets.push({ key, answer, fail })),
  };
  return { redis: redis as unknown as Redis, gets };
}

const config = { GATEWAY_SETTINGS_CACHE_MS: 10_000 } as GatewayConfig;
const closed: RoomSettings = { ...DEFAULT_ROOM_SETTINGS, closed: true };

describe('RoomStateRepository.settings', () => {
  it('reads a room once for concurrent sends, then serves the cached copy', async () => {
    const { redis, gets } = fakeRedis();
    const repo = new RoomStateRepository(redis, config);
    const first = repo.settings('r1');
    const second = repo.settings('r1');
    expect(gets).toHaveLength(1);
    expect(gets[0].key).toBe(sharedRedisKeys.roomSettings('r1'));
    gets[0].answer(JSON.stringify(closed));
    await expect(first).resolves.toMatchObject({ closed: true });
    await expect(second).resolves.toMatchObject({ closed: true });
    await expect(repo.settings('r1')).resolves.toMatchObject({ closed: true });
    expect(gets).toHaveLength(1);
  });

  it('reads again once the cache lifetime has passed', async () => {
    const { redis, gets } = fakeRedis();
    const repo = new RoomStateRepository(redis, { GATEWAY_SETTINGS_CACHE_MS: 0 } as GatewayConfig);
    const first = repo.settings('r1');
    gets[0].answer(null);
    await expect(first).resolves.toEqual(DEFAULT_ROOM_SETTINGS);
    const again = repo.settings('r1');
    expect(gets).toHaveLength(2);
    gets[1].answer(JSON.stringify(closed));
    await expect(again).resolves.toMatchObject({ closed: true });
  });

  it('does not cache a failed read', async () => {
    const { redis, gets } = fakeRedis();
    const repo = new RoomStateRepository(redis, config);
    const failed = repo.settings('r1');
    gets[0].fail(new Error('redis away'));
    await expect(failed).rejects.toThrow('redis away');
    const retry = repo.settings('r1');
    expect(gets).toHaveLength(2);
    gets[1].answer(null);
    await expect(retry).resolves.toEqual(DEFAULT_ROOM_SETTINGS);
  });

  it('takes the settings of a settings.updated event at once, without a read', async () => {
    const { redis, gets } = fakeRedis();
    const repo = new RoomStateRepository(redis, config);
    const stale = repo.settings('r1');
    gets[0].answer(null);
    await expect(stale).resolves.toEqual(DEFAULT_ROOM_SETTINGS);
    repo.remember('r1', closed);
    await expect(repo.settings('r1')).resolves.toMatchObject({ closed: true });
    expect(gets).toHaveLength(1);
  });
});
