import type Redis from 'ioredis';
import { sharedRedisKeys } from '@danmaku/contracts';
import { createRedisClient } from '@danmaku/platform';
import { dropNamespace, testInfra, uniqueId } from '@danmaku/testing';
import { SanctionsRepository } from '../src/room/sanctions.repository';

/** The join's read of bans and mutes, against a real Redis, in a namespace. */
describe('SanctionsRepository (real Redis)', () => {
  const namespace = uniqueId('it-sanctions').toLowerCase();
  let redis: Redis;
  let sanctions: SanctionsRepository;

  beforeAll(() => {
    redis = createRedisClient({ url: testInfra().redisUrl, namespace, name: 'sanctions-it' });
    sanctions = new SanctionsRepository(redis);
  });

  afterAll(async () => {
    redis.disconnect();
    await dropNamespace(namespace);
  });

  const sanction = (until: number | null) => JSON.stringify({ until });

  it('reads a room ban, a site ban and a mute in force, and nothing for others', async () => {
    const room = uniqueId('r');
    const now = Date.now();
    await redis.hset(sharedRedisKeys.roomBans(room), 'banned', sanction(now + 60_000));
    await redis.hset(sharedRedisKeys.siteBans(), 'site-banned', sanction(null));
    await redis.hset(sharedRedisKeys.roomMutes(room), 'muted', sanction(now + 60_000));
    await redis.hset(sharedRedisKeys.roomBans(room), 'expired', sanction(now - 1));

    expect(await sanctions.of(room, 'banned', now)).toEqual({ bannedUntil: now + 60_000 });
    expect(await sanctions.of(room, 'site-banned', now)).toEqual({ bannedUntil: null }); // for ever
    expect(await sanctions.of(room, 'muted', now)).toEqual({ mutedUntil: now + 60_000 });
    expect(await sanctions.of(room, 'expired', now)).toEqual({});
    expect(await sanctions.of(room, 'someone', now)).toEqual({});
  });

  it('fails closed when a read fails: an error, not "no sanction"', async () => {
    const room = uniqueId('r');
    await redis.hset(sharedRedisKeys.roomBans(room), 'banned', sanction(null));
    // The mutes key holds the wrong type: its HGET fails while the others answer.
    await redis.set(sharedRedisKeys.roomMutes(room), 'not a hash');
    await expect(sanctions.of(room, 'banned')).rejects.toThrow(/WRONGTYPE/);
  });
});
