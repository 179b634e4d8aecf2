import type Redis from 'ioredis';
import type { Danmaku } from '@danmaku/contracts';
import { createRedisClient, MetricsService } from '@danmaku/platform';
import { testInfra, uniqueId } from '@danmaku/testing';
import { buildIngestPlans } from '../src/ingest/ingest-plan';
import { ReplayMetrics } from '../src/metrics/replay.metrics';
import { buildRetractPlan } from '../src/room-events/retract-plan';
import { RetentionService } from '../src/retention/retention.service';
import { replayKeys, sessionDensityKeys } from '../src/store/replay-keys';
import { ReplayMaintenanceRepository } from '../src/store/replay-maintenance.repository';
import { ReplayStoreRepository } from '../src/store/replay-store.repository';
import type { ReplayConfig } from '../src/config/replay.config';

const DAY = 24 * 3600 * 1000;
const NOW = 1_800_000_000_000;

/** Session versions, room wipes and retention against a real Redis, in a namespace of their own. */
describe('replay store maintenance (real Redis)', () => {
  const namespace = uniqueId('it-replay-maint').toLowerCase();
  let redis: Redis;
  let store: ReplayStoreRepository;
  let maintenance: ReplayMaintenanceRepository;
  let seq = 0;

  const danmaku = (roomId: string, sessionId: string | null, sentAt: number, offsetMs = 0): Danmaku => {
    seq++;
    return {
      id: `id-${seq}`,
      roomId,
      seq,
      userId: 'u',
      nickname: 'n',
      text: `t${seq}`,
      mode: 'scroll',
      color: '#ffffff',
      size: 'medium',
      sentAt,
      sessionId,
      offsetMs: sessionId === null ? null : offsetMs,
    };
  };
  const version = async (roomId: string, sessionId: string) =>
    (await store.readSessionState(roomId, sessionId)).version;
  const versionNumber = async (roomId: string, sessionId: string): Promise<bigint> =>
    BigInt((await version(roomId, sessionId)) ?? -1);
  const roomKeys = async (roomId: string) =>
    (await redis.keys(`${namespace}:replay:{${roomId}}:*`)).map((k) => k.slice(namespace.length + 1)).sort();
  const retention = (days: number) =>
    new RetentionService(maintenance, new ReplayMetrics(new MetricsService()), {
      REPLAY_RETENTION_DAYS: days,
    } as ReplayConfig);

  beforeAll(() => {
    redis = createRedisClient({ url: testInfra().redisUrl, namespace, name: 'replay-maint-it' });
    store = new ReplayStoreRepository(redis);
    maintenance = new ReplayMaintenanceRepository(redis);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.unlink(...keys.map((k) => k.slice(namespace.length + 1)));
    await redis.quit();
  });

  it('bumps a session version on every change of its danmaku, never on a redelivery', async () => {
    expect(await version('ver', 's')).toBeNull();
    const a = danmaku('ver', 's', NOW, 10);
    await store.ingest(buildIngestPlans([a, danmaku('ver', 'other', NOW, 10)]));
    const v1 = await version('ver', 's');
    // Seeded from the clock (µs), so a wiped and rebuilt session never reuses an old version.
    expect(Number(v1)).toBeGreaterThan(Date.now() * 1000 - 60_000_000);

    await store.ingest(buildIngestPlans([a]));
    expect(await version('ver', 's')).toBe(v1);

    await store.ingest(buildIngestPlans([danmaku('ver', 's', NOW, 20)]));
    const v2 = await versionNumber('ver', 's');
    expect(await versionNumber('ver', 's')).toBe(BigInt(v1 ?? -1) + 1n);

    const otherBefore = await version('ver', 'other');
    await store.retract(buildRetractPlan('ver', [a.id], await store.readBodies('ver', [a.id])));
    expect(await versionNumber('ver', 's')).toBe(v2 + 1n);
    expect(await version('ver', 'other')).toBe(otherBefore);
  });

  it('wipes every key of one room but its purge records, and leaves other rooms alone', async () => {
    await store.ingest(
      buildIngestPlans([
        danmaku('wipe', 's1', NOW, 1),
        danmaku('wipe', 's2', NOW, 2),
        danmaku('wipe', null, NOW),
        danmaku('keep', 's1', NOW, 1),
      ]),
    );
    await store.recordSessionEnded('wipe', 's1', NOW - 1000, NOW + 1000);
    await store.retract(buildRetractPlan('wipe', ['never-stored'], [null]));
    await redis.hset(replayKeys.sessionsPurged('wipe'), 'old', '1');
    const before = await versionNumber('wipe', 's1');
    const keepKeys = await roomKeys('keep');

    // msg, timeline, started, ended, version, and per session its timeline and 4 density keys
    expect(await maintenance.wipeRoom('wipe')).toBe(15);
    expect(await roomKeys('wipe')).toEqual([replayKeys.sessionsPurged('wipe')]);
    expect(await roomKeys('keep')).toEqual(keepKeys);
    expect(await store.listSessions('wipe')).toEqual([]);

    await store.ingest(buildIngestPlans([danmaku('wipe', 's1', NOW, 1)]));
    expect(await versionNumber('wipe', 's1')).toBeGreaterThan(before);
    // The purge record survived: a purged session stays purged through a rebuild.
    expect((await store.ingest(buildIngestPlans([danmaku('wipe', 'old', NOW, 1)]))).expired).toBe(1);
  });

  it('deletes sessions that ended before the retention cutoff and room history older than it', async () => {
    const room = 'ret';
    // Ended 3 days ago: expires. 2,500 danmaku so the purge takes several chunks.
    const old = Array.from({ length: 2500 }, (_, i) => danmaku(room, 'old', NOW - 4 * DAY + i, i));
    // Started 5 days ago but ended an hour ago: kept whole, though its danmaku are older than
    // the cutoff by sentAt (they leave the wall-clock room history only).
    const recent = [
      danmaku(room, 'recent', NOW - 5 * DAY, 0),
      danmaku(room, 'recent', NOW - 2 * 3600_000, 1),
    ];
    const oldLoose = danmaku(room, null, NOW - 2 * DAY);
    const newLoose = danmaku(room, null, NOW - 3600_000);
    await store.ingest(buildIngestPlans([...old, ...recent, oldLoose, newLoose]));
    await store.recordSessionEnded(room, 'old', NOW - 4 * DAY, NOW - 3 * DAY);
    await store.recordSessionEnded(room, 'recent', NOW - 5 * DAY, NOW - 3600_000);
    await store.retract(buildRetractPlan(room, [old[7].id], await store.readBodies(room, [old[7].id])));

    expect(await retention(0).sweep(NOW)).toEqual({ rooms: 0, sessionsPurged: 0, messagesDeleted: 0 });
    const report = await retention(1).sweep(NOW);
    expect(report.sessionsPurged).toBe(1);
    expect(report.messagesDeleted).toBe(2499 + 1);

    expect((await store.listSessions(room)).map((s) => s.sessionId)).toEqual(['recent']);
    expect((await store.readSessionPage(room, 'old', '-', '+', 10)).found).toBe(false);
    expect((await store.readSessionPage(room, 'recent', '-', '+', 10)).bodies).toHaveLength(2);
    const historyPage = await store.readRoomPage(room, '-', '+', 10);
    const history = historyPage.bodies.map((b) => (JSON.parse(b.toString('utf8')) as Danmaku).id);
    expect(history).toEqual([recent[1].id, newLoose.id]);
    // Left: the kept session's 2 bodies, the recent session-less one, and the tombstone.
    expect(await redis.hlen(replayKeys.messages(room))).toBe(4);
    expect(
      await redis.exists(replayKeys.sessionTimeline(room, 'old'), ...sessionDensityKeys(room, 'old')),
    ).toBe(0);

    // Kafka delivering the expired session again (redelivery, rebuild) does not bring it back.
    expect(await store.ingest(buildIngestPlans([old[0]]))).toMatchObject({ stored: 0, expired: 1 });
    expect(await store.recordSessionStarted(room, 'old', NOW - 4 * DAY)).toBe(false);
    expect(await store.recordSessionEnded(room, 'old', NOW - 4 * DAY, NOW - 3 * DAY)).toBe(false);
    expect((await store.listSessions(room)).map((s) => s.sessionId)).toEqual(['recent']);

    expect(await retention(1).sweep(NOW)).toMatchObject({ sessionsPurged: 0, messagesDeleted: 0 });
  });

  it('finishes a purge that a previous sweep left half-way', async () => {
    const room = 'ret-pending';
    await store.ingest(
      buildIngestPlans([danmaku(room, 's', NOW - 2 * DAY, 5), danmaku(room, 's', NOW - 2 * DAY, 6)]),
    );
    await maintenance.beginPurge(room, 's');
    expect(await store.listSessions(room)).toEqual([]);
    expect(await maintenance.pendingPurges(room)).toEqual(['s']);

    expect(await retention(30).sweep(NOW)).toMatchObject({ sessionsPurged: 1, messagesDeleted: 2 });
    expect(await maintenance.pendingPurges(room)).toEqual([]);
    expect(await roomKeys(room)).toEqual([replayKeys.sessionsPurged(room)]);
  });
});
