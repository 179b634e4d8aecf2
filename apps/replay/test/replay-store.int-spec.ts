import type Redis from 'ioredis';
import type { Danmaku } from '@danmaku/contracts';
import { createRedisClient } from '@danmaku/platform';
import { testInfra, uniqueId } from '@danmaku/testing';
import { buildIngestPlans } from '../src/ingest/ingest-plan';
import { buildRetractPlan } from '../src/room-events/retract-plan';
import { aggregateCounters, bucketCount } from '../src/density/density';
import { positionOfMember } from '../src/store/replay-keys';
import { ReplayStoreRepository } from '../src/store/replay-store.repository';

/** The repository's Lua scripts against a real Redis, in a namespace of their own. */
describe('ReplayStoreRepository (real Redis)', () => {
  const namespace = uniqueId('it-replay-store').toLowerCase();
  let redis: Redis;
  let store: ReplayStoreRepository;
  let seq = 0;

  const danmaku = (roomId: string, offsetMs: number | null, sessionId: string | null = 's'): Danmaku => {
    seq++;
    return {
      id: `id-${seq}`,
      roomId,
      seq,
      userId: 'u',
      nickname: 'n',
      text: 't',
      mode: 'scroll',
      color: '#ffffff',
      size: 'medium',
      sentAt: 1_700_000_000_000 + (offsetMs ?? 0),
      sessionId,
      offsetMs,
    };
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
    expect(keys.length).toBe(6);
    for (const k of keys) expect(k.startsWith(`${namespace}:replay:{tagged}:`)).toBe(true);
  });

  it('stores each id once, whatever the redeliveries', async () => {
    const items = [danmaku('dups', 5), danmaku('dups', 6), danmaku('dups', null, null)];
    expect(await store.ingest(buildIngestPlans(items))).toEqual({ stored: 3, duplicates: 0, retracted: 0 });
    expect(await store.ingest(buildIngestPlans([...items, items[0]]))).toEqual({
      stored: 0,
      duplicates: 4,
      retracted: 0,
    });
    expect((await store.listSessions('dups'))[0].count).toBe(2);
    expect((await store.readRoomPage('dups', '-', '+', 10)).rows).toHaveLength(3);
  });

  it('reports an id stored after the caller read its body; the redo removes it for good', async () => {
    const d = danmaku('race', 1000);
    // The caller read "not stored", then the message got stored before the script ran.
    const stalePlan = buildRetractPlan('race', [d.id], [null]);
    await store.ingest(buildIngestPlans([d]));
    expect(await store.retract(stalePlan)).toEqual({ removed: 0, missed: [d.id] });
    expect((await store.readSessionPage('race', 's', '-', '+', 10)).rows).toHaveLength(1);

    const fresh = buildRetractPlan('race', [d.id], await store.readBodies('race', [d.id]));
    expect(await store.retract(fresh)).toEqual({ removed: 1, missed: [] });
    expect(await store.readBodies('race', [d.id])).toEqual([null]);
    expect(await store.retract(buildRetractPlan('race', [d.id], [null]))).toEqual({ removed: 0, missed: [] });
    expect(await store.ingest(buildIngestPlans([d]))).toEqual({ stored: 0, duplicates: 0, retracted: 1 });
    expect((await store.readSessionPage('race', 's', '-', '+', 10)).rows).toEqual([]);
    expect((await store.readDensitySource('race', 's', true)).counters.size).toBe(0);
  });

  it('gives the same density from per-second counters and from exact timeline counts', async () => {
    const offsets = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 600_000);
    await store.ingest(buildIngestPlans(offsets.map((o) => danmaku('dense', o))));
    const source = await store.readDensitySource('dense', 's', true);
    const last = positionOfMember(source.lastMember).at;
    expect(last).toBe(Math.max(...offsets));
    for (const bucketMs of [1000, 5000, 60_000]) {
      const n = bucketCount(last, bucketMs);
      const fromCounters = aggregateCounters(source.counters, bucketMs, n);
      expect(await store.countBuckets('dense', 's', bucketMs, n)).toEqual(fromCounters);
      expect(fromCounters.reduce((a, b) => a + b, 0)).toBe(2000);
    }
  });
});
