import type Redis from 'ioredis';
import { sharedRedisKeys, type Danmaku } from '@danmaku/contracts';
import { createRedisClient } from '@danmaku/platform';
import { danmakuFixture, dropNamespace, testInfra, uniqueId } from '@danmaku/testing';
import { RecentBufferRepository } from '../src/fanout/recent-buffer.repository';

/** A join's read of the recent buffer: one read-only script, against a real Redis, in a namespace. */
describe('RecentBufferRepository (real Redis)', () => {
  const namespace = uniqueId('it-recent').toLowerCase();
  let redis: Redis;
  let recent: RecentBufferRepository;

  beforeAll(() => {
    redis = createRedisClient({ url: testInfra().redisUrl, namespace, name: 'recent-it' });
    recent = new RecentBufferRepository(redis);
  });

  afterAll(async () => {
    redis.disconnect();
    await dropNamespace(namespace);
  });

  async function buffer(roomId: string, seqs: number[], epoch: string): Promise<Danmaku[]> {
    const items = seqs.map((seq) => danmakuFixture({ roomId, seq }));
    for (const d of items) await redis.zadd(sharedRedisKeys.roomRecent(roomId), d.seq, JSON.stringify(d));
    await redis.set(sharedRedisKeys.roomLastSeq(roomId), String(seqs[seqs.length - 1]));
    await redis.set(sharedRedisKeys.roomEpoch(roomId), epoch);
    return items;
  }

  it('reads the last n, or what follows sinceSeq, never above the mark, with the bounds and the epoch', async () => {
    const room = uniqueId('r');
    const items = await buffer(room, [3, 4, 5, 6, 7], 'e1');
    // The script cache may be cold (a fresh or restarted Redis): the read still answers.
    await redis.script('FLUSH');
    expect(await recent.window(room, { count: 2 })).toEqual({
      items: items.slice(3),
      oldestSeq: 3,
      lastSeq: 7,
      epoch: 'e1',
    });
    expect((await recent.window(room, { count: 10, upTo: 5 })).items).toEqual(items.slice(0, 3));
    expect((await recent.window(room, { sinceSeq: 4, upTo: 6 })).items).toEqual(items.slice(2, 4));
    expect((await recent.window(room, { sinceSeq: 7 })).items).toEqual([]);
  });

  it('answers an empty window for a room that has no buffer', async () => {
    expect(await recent.window(uniqueId('r'), { count: 50 })).toEqual({
      items: [],
      oldestSeq: 0,
      lastSeq: 0,
      epoch: '',
    });
  });

  it('reads only its namespace', async () => {
    const room = uniqueId('r');
    const raw = createRedisClient({ url: testInfra().redisUrl, namespace: '', name: 'recent-it-raw' });
    try {
      await raw.zadd(
        sharedRedisKeys.roomRecent(room),
        1,
        JSON.stringify(danmakuFixture({ roomId: room, seq: 1 })),
      );
      expect((await recent.window(room, { count: 5 })).items).toEqual([]);
    } finally {
      await raw.del(sharedRedisKeys.roomRecent(room));
      raw.disconnect();
    }
  });
});
