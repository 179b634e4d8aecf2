import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Danmaku } from '@danmaku/contracts';
import { createRedisClient } from '@danmaku/platform';
import { expectEventually, workspaceRoot } from '@danmaku/testing';
import type { RebuildSummary } from '../src/rebuild/rebuild.service';
import { replayKeys } from '../src/store/replay-keys';
import { ReplayHarness, roomId } from './replay-harness';

jest.setTimeout(120_000);

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('replay rebuild command (real Kafka, Redis, replay process and built CLI)', () => {
  const h = new ReplayHarness();
  const roomA = roomId('rebuild-a');
  const roomB = roomId('rebuild-b');
  let redis: ReturnType<typeof createRedisClient>;
  let kept: Danmaku[];
  let retracted: Danmaku[];

  /** The built command (`nx build replay`), against this suite's namespace. */
  function rebuild(...args: string[]): Promise<CliRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(workspaceRoot(), 'dist/apps/replay/rebuild.js'), ...args, '--json', '--progress-sec', '1'],
        {
          env: {
            ...process.env,
            DANMAKU_NAMESPACE: h.namespace,
            KAFKA_BROKERS: h.infra.kafkaBrokers,
            REDIS_URL: h.infra.redisUrl,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  function summaryOf(run: CliRun): RebuildSummary {
    if (run.code !== 0) throw new Error(`rebuild exited ${run.code}:\n${run.stderr}`);
    return JSON.parse(run.stdout) as RebuildSummary;
  }

  /** Everything the API says about a room: sessions, each session's timeline and density, history. */
  async function snapshot(room: string) {
    const sessions = await h.sessions(room);
    const timelines = await Promise.all(sessions.map((s) => h.allSessionDanmaku(room, s.sessionId)));
    const densities = await Promise.all(
      sessions.map(
        async (s) => (await h.get(`/v1/rooms/${room}/sessions/${s.sessionId}/density?bucketMs=1000`)).body,
      ),
    );
    const history = (await h.get(`/v1/rooms/${room}/danmaku?limit=1000`)).body;
    return { sessions, timelines, densities, history };
  }

  beforeAll(async () => {
    await h.start();
    redis = createRedisClient({ url: h.infra.redisUrl, namespace: h.namespace, name: 'replay-rebuild-it' });
    await h.roomEvent({
      type: 'session.started',
      roomId: roomA,
      session: { sessionId: 's-1', startedAt: 1_700_000_000_000 },
      at: 1,
    });
    const inSession = Array.from({ length: 40 }, () => h.danmaku(roomA));
    const loose = Array.from({ length: 3 }, () => h.danmaku(roomA, { offsetMs: null, sessionId: null }));
    retracted = [inSession[5], loose[1]];
    kept = [...inSession, ...loose].filter((d) => !retracted.includes(d));
    await h.accept(...inSession, ...loose, ...Array.from({ length: 10 }, () => h.danmaku(roomB)));
    await h.roomEvent(
      {
        type: 'danmaku.retracted',
        roomId: roomA,
        ids: retracted.map((d) => d.id),
        actorId: 'mod',
        reason: null,
        at: 2,
      },
      {
        type: 'session.ended',
        roomId: roomA,
        session: { sessionId: 's-1', startedAt: 1_700_000_000_000, endedAt: 1_700_000_900_000 },
        at: 3,
      },
    );
    await expectEventually(
      async () => {
        expect(await h.sessions(roomA)).toEqual([
          { sessionId: 's-1', startedAt: 1_700_000_000_000, endedAt: 1_700_000_900_000, count: 39 },
        ]);
        expect((await h.get(`/v1/rooms/${roomA}/danmaku?limit=1000`)).body.items).toHaveLength(41);
        expect((await h.sessions(roomB))[0].count).toBe(10);
      },
      { timeoutMs: 30_000 },
    );
  }, 120_000);

  afterAll(async () => {
    await redis?.quit();
    await h.stop();
  });

  it('rebuilds one room from Kafka after its data was damaged, leaving other rooms alone', async () => {
    const expectedA = await snapshot(roomA);
    const expectedB = await snapshot(roomB);
    expect(expectedA.history.items).toEqual([...kept].sort((x, y) => x.sentAt - y.sentAt || x.seq - y.seq));
    // Damage: the session's index is gone and a stray member points nowhere.
    await redis.unlink(replayKeys.sessionTimeline(roomA, 's-1'));
    await redis.zadd(replayKeys.roomTimeline(roomA), 0, '0000000000001:000000000001:stray');
    expect((await h.sessions(roomA))[0].count).toBe(0);

    const run = await rebuild('--room', roomA);
    const summary = summaryOf(run);
    expect(run.stderr).toContain(`replay rebuild of room ${roomA}`);
    expect(summary.scope).toEqual({ kind: 'room', roomId: roomA });
    expect(summary.keysWiped).toBeGreaterThanOrEqual(5);
    expect(summary.accepted.read).toBe(53);
    expect(summary.accepted.matched).toBe(43);
    // The two topics are read concurrently: a retracted message is either never stored
    // (the tombstone came first) or stored, then removed.
    expect(summary.accepted.stored + summary.accepted.tombstoned).toBe(43);
    expect(summary.accepted.stored - summary.events.removed).toBe(41);
    expect(summary.accepted.duplicates).toBe(0);
    expect(summary.events).toMatchObject({ matched: 3, sessionEvents: 2, retractedIds: 2 });

    expect(await snapshot(roomA)).toEqual(expectedA);
    expect(await snapshot(roomB)).toEqual(expectedB);
    expect(await redis.zscore(replayKeys.roomTimeline(roomA), '0000000000001:000000000001:stray')).toBeNull();
  });

  it('restores every room after the whole store is lost, and a second run changes nothing', async () => {
    const expectedA = await snapshot(roomA);
    const expectedB = await snapshot(roomB);
    const etag = (await h.get(`/v1/rooms/${roomA}/sessions/s-1/danmaku`)).headers.get('etag');
    const lost = await redis.keys(`${h.namespace}:replay:*`);
    await redis.unlink(...lost.map((k) => k.slice(h.namespace.length + 1)));
    expect(await h.sessions(roomA)).toEqual([]);

    const first = summaryOf(await rebuild('--all'));
    expect(first.accepted.matched).toBe(53);
    expect(first.accepted.stored - first.events.removed).toBe(51);
    expect(await snapshot(roomA)).toEqual(expectedA);
    expect(await snapshot(roomB)).toEqual(expectedB);
    // The store was rebuilt from scratch: clients' old ETags do not match the new version.
    const rebuiltEtag = (await h.get(`/v1/rooms/${roomA}/sessions/s-1/danmaku`)).headers.get('etag');
    expect(rebuiltEtag).not.toBe(etag);

    const second = summaryOf(await rebuild('--all'));
    expect(second.accepted).toMatchObject({ matched: 53, stored: 0 });
    expect(second.accepted.duplicates + second.accepted.tombstoned).toBe(53);
    expect(second.events.removed).toBe(0);
    expect(await snapshot(roomA)).toEqual(expectedA);
    expect((await h.get(`/v1/rooms/${roomA}/sessions/s-1/danmaku`)).headers.get('etag')).toBe(rebuiltEtag);
  });

  it('removes its throw-away consumer groups and refuses a bad command line', async () => {
    const admin = h.kafka.kafka.admin();
    await admin.connect();
    try {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      expect(groups.filter((g) => g.startsWith(`${h.namespace}.`) && g.includes('rebuild'))).toEqual([]);
      // The live consumers are still there (the rebuild never touched their offsets).
      expect(groups).toContain(`${h.namespace}.replay.store`);
    } finally {
      await admin.disconnect();
    }
    const bad = await rebuild('--room', 'not a room');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('usage: replay-rebuild');
    const both = await rebuild('--all', '--room', roomA);
    expect(both.code).toBe(2);
  });
});
