/**
 * The store's in-process phases of the replay benchmark (bench/replay), which reaches the
 * replay app only through its built entry points:
 *
 *   node dist/apps/replay/store-bench.js load <input.json>       # a session of N danmaku, Redis memory
 *   node dist/apps/replay/store-bench.js baselines <input.json>  # page script and naive reads on Redis
 *
 * `load` writes one session through the ingest script (the code path of the Kafka consumer,
 * without Kafka, for speed) and measures its keys with MEMORY USAGE and INFO. `baselines`
 * times the page script straight on Redis (no HTTP, no Nest) and the naive ways to answer
 * the same questions on the same data. The input is a StoreBenchInput; the last line printed
 * is the result as JSON.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Danmaku } from '@danmaku/contracts';
import { createRedisClient } from '@danmaku/platform';
import { buildIngestPlans } from '../ingest/ingest-plan';
import { lexRange, replayKeys } from '../store/replay-keys';
import { ReplayStoreRepository } from '../store/replay-store.repository';

export interface StoreBenchInput {
  redisUrl: string;
  namespace: string;
  room: string;
  session: string;
  /** Danmaku in the session. */
  messages: number;
  /** Length of the session. */
  durationMs: number;
  /** Reads per baseline. */
  requests: number;
}

export interface Latency {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

function latency(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: s.length,
    p50: r(at(0.5)),
    p99: r(at(0.99)),
    mean: r(s.reduce((a, b) => a + b, 0) / s.length),
    max: r(s[s.length - 1]),
  };
}

/** Offsets of a busy stream: a steady chat plus 12 "hot moments" holding 30 % of it. */
function sessionOffsets(n: number, durationMs: number): number[] {
  const hot = Array.from({ length: 12 }, () => Math.random() * (durationMs - 60_000));
  const offsets = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    offsets[i] =
      Math.random() < 0.3
        ? Math.floor(hot[i % hot.length] + Math.random() * 60_000)
        : Math.floor(Math.random() * durationMs);
  }
  return offsets.sort((a, b) => a - b);
}

export interface LoadResult {
  messages: number;
  durationMs: number;
  loadMs: number;
  loadRate: number;
  bytesPerDanmaku: number;
  keyBytes: Record<string, number>;
  usedMemoryDelta: number;
  usedMemoryDeltaPerDanmaku: number;
}

export async function loadSession(input: StoreBenchInput): Promise<LoadResult> {
  const { room: ROOM, session: SESSION, messages: SESSION_N, durationMs, namespace: ns } = input;
  const redis = createRedisClient({ url: input.redisUrl, namespace: ns, name: 'replay-bench-load' });
  // MEMORY USAGE and INFO on full key names: no keyPrefix games.
  const raw = createRedisClient({ url: input.redisUrl, namespace: '', name: 'replay-bench-memory' });
  const store = new ReplayStoreRepository(redis);
  const startedAt = 1_750_000_000_000;
  const offsets = sessionOffsets(SESSION_N, durationMs);
  const usedBefore = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))?.[1]);
  const t0 = performance.now();
  const CHUNK = 5000;
  const inFlight = new Set<Promise<unknown>>();
  for (let start = 0; start < SESSION_N; start += CHUNK) {
    const items: Danmaku[] = [];
    for (let i = start; i < Math.min(SESSION_N, start + CHUNK); i++) {
      items.push({
        id: randomUUID(),
        roomId: ROOM,
        seq: i + 1,
        userId: `u-${i % 20_000}`,
        nickname: `viewer ${i % 20_000}`,
        text: `弹幕 ${i} ${'哈'.repeat(i % 12)} nice play`,
        mode: i % 17 === 0 ? 'top' : 'scroll',
        color: i % 5 === 0 ? '#ff0000' : '#ffffff',
        size: 'medium',
        sentAt: startedAt + offsets[i],
        sessionId: SESSION,
        offsetMs: offsets[i],
      });
    }
    const p = store.ingest(buildIngestPlans(items)).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const loadMs = performance.now() - t0;
  await store.recordSessionEnded(ROOM, SESSION, startedAt, startedAt + durationMs);

  const keys = {
    msg: replayKeys.messages(ROOM),
    roomTimeline: replayKeys.roomTimeline(ROOM),
    sessionTimeline: replayKeys.sessionTimeline(ROOM, SESSION),
    sessionDensity: replayKeys.sessionDensity(ROOM, SESSION),
    sessionDensity10s: replayKeys.sessionDensity(ROOM, SESSION, 10),
    sessionDensity60s: replayKeys.sessionDensity(ROOM, SESSION, 60),
    sessionDensity600s: replayKeys.sessionDensity(ROOM, SESSION, 600),
    sessionLists: replayKeys.sessionStarts(ROOM),
  };
  const keyBytes: Record<string, number> = {};
  for (const [name, key] of Object.entries(keys)) {
    keyBytes[name] = Number(await raw.call('MEMORY', 'USAGE', `${ns}:${key}`, 'SAMPLES', '0'));
  }
  const usedAfter = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))?.[1]);
  await redis.quit();
  await raw.quit();
  const total = Object.values(keyBytes).reduce((a, b) => a + b, 0);
  return {
    messages: SESSION_N,
    durationMs,
    loadMs: Math.round(loadMs),
    loadRate: Math.round((SESSION_N / loadMs) * 1000),
    bytesPerDanmaku: Math.round(total / SESSION_N),
    keyBytes,
    usedMemoryDelta: usedAfter - usedBefore,
    usedMemoryDeltaPerDanmaku: Math.round((usedAfter - usedBefore) / SESSION_N),
  };
}

export interface BaselinesResult {
  scriptPage: Latency;
  offsetPaging: Latency;
  densityByScan: Latency;
}

/** The same questions answered the naive way, straight on Redis (no HTTP, no app). */
export async function baselines(input: StoreBenchInput): Promise<BaselinesResult> {
  const { room: ROOM, session: SESSION, messages: SESSION_N, durationMs, requests: REQUESTS } = input;
  const redis = createRedisClient({
    url: input.redisUrl,
    namespace: input.namespace,
    name: 'replay-bench-baseline',
  });
  const timeline = replayKeys.sessionTimeline(ROOM, SESSION);
  // The page script itself, in-process (no HTTP, no Nest): what Redis costs per page.
  const store = new ReplayStoreRepository(redis);
  const scriptPage: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const { min, max } = lexRange({ from: Math.floor(Math.random() * (durationMs - 5 * 60_000)) });
    const t = performance.now();
    const read = await store.readSessionPage(ROOM, SESSION, min, max, 1000);
    scriptPage.push(performance.now() - t);
    if (read.bodies.length !== 1000) throw new Error(`script page: ${read.bodies.length}`);
  }
  // Offset paging: the page at a random position found by skipping `offset` members (O(offset)).
  const offsetPaging: number[] = [];
  for (let i = 0; i < Math.ceil(REQUESTS / 5); i++) {
    const offset = Math.floor(Math.random() * (SESSION_N - 1000));
    const t = performance.now();
    const members = await redis.zrangebylex(timeline, '-', '+', 'LIMIT', offset, 1000);
    await redis.hmget(replayKeys.messages(ROOM), ...members.map((m) => m.slice(27)));
    offsetPaging.push(performance.now() - t);
  }
  // Density by scanning the whole session (what per-second counters avoid).
  const scans: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const buckets = new Array<number>(Math.floor(durationMs / 10_000) + 1).fill(0);
    for (let start = 0; ; start += 50_000) {
      const members = await redis.zrange(timeline, start, start + 49_999);
      for (const m of members) buckets[Math.floor(Number(m.slice(0, 13)) / 10_000)]++;
      if (members.length < 50_000) break;
    }
    scans.push(performance.now() - t);
  }
  await redis.quit();
  return {
    scriptPage: latency(scriptPage),
    offsetPaging: latency(offsetPaging),
    densityByScan: latency(scans),
  };
}

const COMMANDS = { load: loadSession, baselines } as const;

async function main(): Promise<void> {
  const [command, file] = process.argv.slice(2);
  if (!(command in COMMANDS) || !file)
    throw new Error('usage: node dist/apps/replay/store-bench.js load|baselines <input.json>');
  const input = JSON.parse(readFileSync(file, 'utf8')) as StoreBenchInput;
  const result = await COMMANDS[command as keyof typeof COMMANDS](input);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
