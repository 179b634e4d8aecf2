import type Redis from 'ioredis';
import type { Danmaku } from '@danmaku/contracts';
import { createRedisClient } from '@danmaku/platform';
import { testInfra, uniqueId, danmakuFixture } from '@danmaku/testing';
import { buildIngestPlans } from '../src/ingest/ingest-plan';
import { buildRetractPlan } from '../src/room-events/retract-plan';
import { bucketCount } from '../src/density/density';
import { positionOfMember, replayKeys, sessionDensityKeys } from '../src/store/replay-keys';
import { ReplayStoreRepository } from '../src/store/replay-store.repository';

/** The repository's Lua scripts against a real Redis, in a namespace of their own. */
describe('ReplayStoreRepository (real Redis)', () => {
  const namespace = uniqueId('it-replay-store').toLowerCase();
  let redis: Redis;
  let store: ReplayStoreRepository;
  let seq = 0;

  const danmaku = (roomId: string, offsetMs: number | null, sessionId: string | null = 's'): Danmaku => {
    seq++;
    return danmakuFixture({
      id: `id-${seq}`,
      roomId,
      seq,
      sentAt: 1_700_000_000_000 + (offsetMs ?? 0),
      sessionId,
      offsetMs,
    });
  };

  beforeAll(() => {
    redis = createRedisClient({ url: testInfra().redisUrl, namespace, name: 'replay-store-it' });
    store = new ReplayStoreRepository(redis);
  });

  afterAll(async () => {
    // keyPrefix is not applied to SCAN patterns: match the namespace explicitly.
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.unlink(...keys.map((k) => k.slice(namespace.length + 1)));
    await redis.quit();
  });

  it('keeps every key of a room under the namespace and the room hash tag', async () => {
    await store.ingest(buildIngestPlans([danmaku('tagged', 10), danmaku('tagged', null, null)]));
    await store.recordSessionEnded('tagged', 's', 1, 2);
    const keys = await redis.keys(`${namespace}:*tagged*`);
    // msg, timeline, sessions:started, sessions:ended, sessions:version, session timeline,
    // density counters at 4 widths
    expect(keys.length).toBe(10);
    for (const k of keys) expect(k.startsWith(`${namespace}:replay:{tagged}:`)).toBe(true);
  });

  it('stores each id once, whatever the redeliveries', async () => {
    const items = [danmaku('dups', 5), danmaku('dups', 6), danmaku('dups', null, null)];
    expect(await store.ingest(buildIngestPlans(items))).toEqual({
      stored: 3,
      duplicates: 0,
      retracted: 0,
      expired: 0,
    });
    expect(await store.ingest(buildIngestPlans([...items, items[0]]))).toEqual({
      stored: 0,
      duplicates: 4,
      retracted: 0,
      expired: 0,
    });
    expect((await store.listSessions('dups'))[0].count).toBe(2);
    expect((await store.readRoomPage('dups', '-', '+', 10)).bodies).toHaveLength(3);
  });

  it('reports an id stored after the caller read its body; the redo removes it for good', async () => {
    const d = danmaku('race', 1000);
    // The caller read "not stored", then the message got stored before the script ran.
    const stalePlan = buildRetractPlan('race', [d.id], [null]);
    await store.ingest(buildIngestPlans([d]));
    expect(await store.retract(stalePlan)).toEqual({ removed: 0, missed: [d.id] });
    expect((await store.readSessionPage('race', 's', '-', '+', 10)).bodies).toHaveLength(1);

    const fresh = buildRetractPlan('race', [d.id], await store.readBodies('race', [d.id]));
    expect(await store.retract(fresh)).toEqual({ removed: 1, missed: [] });
    expect(await store.readBodies('race', [d.id])).toEqual([null]);
    expect(await store.retract(buildRetractPlan('race', [d.id], [null]))).toEqual({ removed: 0, missed: [] });
    expect(await store.ingest(buildIngestPlans([d]))).toEqual({
      stored: 0,
      duplicates: 0,
      retracted: 1,
      expired: 0,
    });
    expect(await store.readSessionPage('race', 's', '-', '+', 10)).toMatchObject({ bodies: [] });
    expect(await store.readDensitySource('race', 's', { bucketMs: 1000, maxBuckets: 100 })).toMatchObject({
      lastMember: '',
      buckets: [],
    });
    // Its counters went back to 0 and were removed, at every width.
    expect(await redis.exists(...sessionDensityKeys('race', 's'))).toBe(0);
  });

  it('gives the same density from the counters of every width and from exact timeline counts', async () => {
    const offsets = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 3_600_000);
    await store.ingest(buildIngestPlans(offsets.map((o) => danmaku('dense', o))));
    const last = positionOfMember((await store.readDensitySource('dense', 's', null)).lastMember).at;
    expect(last).toBe(Math.max(...offsets));
    // Read from the 1 s, 1 s, 10 s, 10 s, 60 s and 600 s counters.
    for (const bucketMs of [1000, 5000, 10_000, 30_000, 120_000, 600_000]) {
      const n = bucketCount(last, bucketMs);
      const source = await store.readDensitySource('dense', 's', { bucketMs, maxBuckets: 10_000 });
      expect(source.buckets).toHaveLength(n);
      expect(await store.countBuckets('dense', 's', bucketMs, n)).toEqual(source.buckets);
      expect(source.buckets.reduce((a, b) => a + b, 0)).toBe(2000);
    }
    // Past the limit the script does not build buckets at all (the service answers 400).
    expect(
      (await store.readDensitySource('dense', 's', { bucketMs: 1000, maxBuckets: 599 })).buckets,
    ).toEqual([]);
  });

  it('reads a page as joined bodies, with the last member only when more follow', async () => {
    const items = [danmaku('paged', 30), danmaku('paged', 10), danmaku('paged', 20)];
    await store.ingest(buildIngestPlans(items));
    const first = await store.readSessionPage('paged', 's', '-', '+', 2);
    expect(first.bodies.map((b) => JSON.parse(b.toString('utf8')))).toEqual([items[1], items[2]]);
    expect(first.lastMember).not.toBeNull();
    expect(positionOfMember(String(first.lastMember))).toEqual({ at: 20, seq: items[2].seq });
    const all = await store.readSessionPage('paged', 's', '-', '+', 3);
    expect(all.bodies).toHaveLength(3);
    expect(all.lastMember).toBeNull();
    // A member whose body is gone (a store damaged by hand) is skipped, never served.
    await redis.zadd(replayKeys.sessionTimeline('paged', 's'), 0, '0000000000001:000000000001:stray');
    const damaged = await store.readSessionPage('paged', 's', '-', '+', 2);
    expect(damaged.bodies).toHaveLength(1);
    expect(damaged.lastMember).not.toBeNull();
  });
});
