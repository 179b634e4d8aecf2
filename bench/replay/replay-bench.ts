/**
 * Replay benchmark: ingest rate of ONE replay instance, and read latency on a session of
 * 1,000,000 danmaku, against real Kafka and Redis and the real built app.
 *
 *   npx nx build replay && npm run bench:replay
 *
 * Env (defaults in brackets): INGEST_N [200000] messages per ingest run, INGEST_RUNS [2],
 * INGEST_ROOMS [50], SESSION_N [1000000], SESSION_HOURS [3], REQUESTS [500], MAX_LOAD [1.5]
 * (waits up to 5 min for the 1-minute load average to drop below it, then runs anyway and
 * says so), OUT [bench/results].
 *
 * Phases, each in a fresh namespace `bench-replay-…` dropped at the end (topics, groups, keys):
 *  1. ingest: pre-produce INGEST_N accepted danmaku (many rooms, 90 % in a session), start the
 *     app, time until `replay_danmaku_stored_total` reaches INGEST_N.
 *  2. a session of SESSION_N danmaku over SESSION_HOURS is loaded in one process through the
 *     ingest script (same code path, without Kafka, for speed); Redis memory is measured
 *     (MEMORY USAGE of the room's keys, and INFO used_memory before/after).
 *  3. the app serves that session over HTTP: REQUESTS pages of 1,000 at random offsets,
 *     density queries (per-second counters and the exact path), conditional 304s, all one at
 *     a time (latency), then 8 concurrent clients (throughput). Baselines in the same run:
 *     offset paging (ZRANGEBYLEX … LIMIT <offset> 1000) and a density computed by scanning
 *     the session, straight on Redis.
 *
 * The bench uses the replay app only through its built entry points: `main.js` (ingest and
 * reads), `rebuild.js`, and `store-bench.js` for the store's in-process phases (2 and the
 * baselines of 3), which need its key layout and scripts.
 *
 * Writes bench/results/replay-<timestamp>.{json,md} and prints the table.
 */
import { randomUUID } from 'node:crypto';
import { Agent, get as httpGet } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KAFKA_TOPICS, type Danmaku } from '@danmaku/contracts';
import { KafkaClient, TypedProducer } from '@danmaku/kafka';
import { startProcess } from '@danmaku/process';
import {
  dropNamespace,
  freePort,
  spawnApp,
  testInfra,
  uniqueId,
  workspaceRoot,
  type RunningApp,
} from '@danmaku/testing';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const INGEST_N = env('INGEST_N', 200_000);
const INGEST_RUNS = env('INGEST_RUNS', 2);
const INGEST_ROOMS = env('INGEST_ROOMS', 50);
const SESSION_N = env('SESSION_N', 1_000_000);
const SESSION_HOURS = env('SESSION_HOURS', 3);
const REQUESTS = env('REQUESTS', 500);
const MAX_LOAD = env('MAX_LOAD', 1.5);
const OUT = process.env['OUT'] ?? join(workspaceRoot(), 'bench', 'results');
const GOAL_INGEST = 20_000;
const GOAL_P99_MS = 20;

const infra = testInfra();
const namespaces: string[] = [];
const apps: RunningApp[] = [];

interface Latency {
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

const load1 = () => Math.round(loadavg()[0] * 100) / 100;

/** Waits (up to 5 min) for a quiet machine: 2 shared cores, other people's builds and tests. */
async function waitForQuiet(phase: string): Promise<number> {
  const deadline = Date.now() + 5 * 60_000;
  while (load1() > MAX_LOAD && Date.now() < deadline) {
    console.error(`  [${phase}] load ${load1()} > ${MAX_LOAD}, waiting…`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
  if (load1() > MAX_LOAD)
    console.error(`  [${phase}] load still ${load1()}: measuring anyway (noted in the results)`);
  return load1();
}

function namespace(): string {
  const ns = uniqueId('bench-replay').toLowerCase();
  namespaces.push(ns);
  return ns;
}

async function startApp(ns: string): Promise<RunningApp> {
  const app = await spawnApp('replay', {
    port: await freePort(),
    env: {
      DANMAKU_NAMESPACE: ns,
      KAFKA_BROKERS: infra.kafkaBrokers,
      REDIS_URL: infra.redisUrl,
      LOG_LEVEL: 'warn',
      // The bench reads hundreds of pages from one address: measure reads, not the limiter.
      HTTP_RATE_LIMIT_PER_ADDRESS: '0',
    },
  });
  apps.push(app);
  return app;
}

async function storedTotal(app: RunningApp): Promise<number> {
  const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
  return Number(/^replay_danmaku_stored_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
}

// ---------------------------------------------------------------- phase 1: ingest

interface IngestRun {
  messages: number;
  produceMs: number;
  /** From the first stored message to the last: the consumer's steady rate. */
  steadyRate: number;
  /** From process spawn (includes start-up and joining the consumer group). */
  fromSpawnMs: number;
  fromSpawnRate: number;
  load: number;
  /** `replay-rebuild --all` over the same topic (everything already stored): read rate. */
  rebuild?: { elapsedMs: number; read: number; rate: number; duplicates: number };
}

/**
 * Runs one of replay's built entry points (`dist/apps/replay/<script>`) to its end and parses
 * what it printed on stdout as JSON; its stderr passes through.
 */
async function runBuilt<T>(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const stdout: string[] = [];
  const proc = startProcess({
    name: script,
    script: join(workspaceRoot(), 'dist', 'apps', 'replay', script),
    args,
    env,
    onLine: (line, stream) => (stream === 'stdout' ? stdout.push(line) : process.stderr.write(`${line}\n`)),
  });
  const exit = await proc.exited;
  if (exit.code !== 0) throw proc.exitError();
  return JSON.parse(stdout.join('\n')) as T;
}

/** Runs the built rebuild command on a namespace and returns its JSON summary. */
function runRebuild(
  ns: string,
): Promise<{ elapsedMs: number; accepted: { read: number; duplicates: number }; events: { read: number } }> {
  return runBuilt('rebuild.js', ['--all', '--json'], {
    ...process.env,
    DANMAKU_NAMESPACE: ns,
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
  });
}

/** Runs `store-bench.js <command>` (the store's in-process phases) on the session in `ns`. */
async function storeBench<T>(command: 'load' | 'baselines', ns: string, durationMs: number): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  try {
    const input = join(dir, 'input.json');
    writeFileSync(
      input,
      JSON.stringify({
        redisUrl: infra.redisUrl,
        namespace: ns,
        room: ROOM,
        session: SESSION,
        messages: SESSION_N,
        durationMs,
        requests: REQUESTS,
      }),
    );
    return await runBuilt<T>('store-bench.js', [command, input]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ingestRun(withRebuild: boolean): Promise<IngestRun> {
  const ns = namespace();
  const kafka = new KafkaClient({
    brokers: infra.kafkaBrokers.split(','),
    clientId: 'replay-bench',
    namespace: ns,
  });
  await kafka.ensureTopics([KAFKA_TOPICS.danmakuAccepted, KAFKA_TOPICS.roomEvents]);
  const producer = new TypedProducer(kafka);
  await producer.connect();
  const seqs = new Array<number>(INGEST_ROOMS).fill(0);
  const t0 = performance.now();
  for (let sent = 0; sent < INGEST_N;) {
    const batch = Array.from({ length: Math.min(5000, INGEST_N - sent) }, (_, i) => {
      const r = (sent + i) % INGEST_ROOMS;
      const seq = ++seqs[r];
      const offsetMs = seq * 37;
      const withSession = r % 10 !== 0;
      const danmaku: Danmaku = {
        id: randomUUID(),
        roomId: `room-${r}`,
        seq,
        userId: `u-${seq % 997}`,
        nickname: 'bench viewer',
        text: `bench message number ${seq} with some typical length`,
        mode: 'scroll',
        color: '#ffffff',
        size: 'medium',
        sentAt: 1_700_000_000_000 + offsetMs,
        sessionId: withSession ? `s-${r}` : null,
        offsetMs: withSession ? offsetMs : null,
      };
      return { danmaku, decidedAt: Date.now() };
    });
    await producer.publish(KAFKA_TOPICS.danmakuAccepted, ...batch);
    sent += batch.length;
  }
  await producer.disconnect();
  const produceMs = performance.now() - t0;

  const load = await waitForQuiet('ingest');
  const spawnAt = Date.now();
  const app = await startApp(ns);
  const samples: { t: number; n: number }[] = [];
  try {
    for (;;) {
      const n = await storedTotal(app);
      samples.push({ t: Date.now(), n });
      if (n >= INGEST_N) break;
      if (Date.now() - spawnAt > 600_000) throw new Error(`only ${n}/${INGEST_N} stored after 600 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await app.stop();
  }
  // The sample before the first non-zero one bounds when storing started.
  const firstNonZero = samples.findIndex((s) => s.n > 0);
  const start = samples[Math.max(0, firstNonZero - 1)];
  const last = samples[samples.length - 1];
  let rebuild: IngestRun['rebuild'];
  if (withRebuild) {
    const summary = await runRebuild(ns);
    const read = summary.accepted.read + summary.events.read;
    rebuild = {
      elapsedMs: summary.elapsedMs,
      read,
      rate: Math.round((read / Math.max(1, summary.elapsedMs)) * 1000),
      duplicates: summary.accepted.duplicates,
    };
  }
  return {
    rebuild,
    messages: INGEST_N,
    produceMs: Math.round(produceMs),
    steadyRate: Math.round(((last.n - start.n) / Math.max(1, last.t - start.t)) * 1000),
    fromSpawnMs: last.t - spawnAt,
    fromSpawnRate: Math.round((INGEST_N / Math.max(1, last.t - spawnAt)) * 1000),
    load,
  };
}

// ---------------------------------------------------------------- phase 2: a session of 1M

const ROOM = 'bench-big';
const SESSION = 'big';

interface LoadResult {
  messages: number;
  durationMs: number;
  loadMs: number;
  loadRate: number;
  bytesPerDanmaku: number;
  keyBytes: Record<string, number>;
  usedMemoryDelta: number;
  usedMemoryDeltaPerDanmaku: number;
}

/** A session of SESSION_N danmaku over SESSION_HOURS through the ingest script, and its memory. */
function loadSession(ns: string): Promise<LoadResult> {
  return storeBench<LoadResult>('load', ns, SESSION_HOURS * 3600_000);
}

// ---------------------------------------------------------------- phase 3: reads

/**
 * One GET over a kept-alive node:http connection (lighter than fetch's web streams, so the
 * client adds as little as possible to what is measured); the body is read in full.
 */
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
function timed(
  url: string,
  headers?: Record<string, string>,
): Promise<{ ms: number; status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    httpGet(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ ms: performance.now() - t, status: res.statusCode ?? 0, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function measure(
  n: number,
  url: () => string,
  check: (status: number, body: Buffer) => void,
  headers?: Record<string, string>,
): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await timed(url(), headers);
    check(r.status, r.body);
    samples.push(r.ms);
  }
  return latency(samples);
}

async function concurrent(
  total: number,
  clients: number,
  url: () => string,
): Promise<{ rps: number; latency: Latency }> {
  const samples: number[] = [];
  let left = total;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (left-- > 0) {
        const r = await timed(url());
        if (r.status !== 200) throw new Error(`status ${r.status}`);
        samples.push(r.ms);
      }
    }),
  );
  return { rps: Math.round((total / (performance.now() - t0)) * 1000), latency: latency(samples) };
}

const json = (body: Buffer) => JSON.parse(body.toString('utf8'));

async function reads(ns: string, durationMs: number) {
  const load = await waitForQuiet('reads');
  const app = await startApp(ns);
  const base = `${app.url}/v1/rooms/${ROOM}/sessions/${SESSION}`;
  const randomFrom = () => Math.floor(Math.random() * (durationMs - 5 * 60_000));
  const pageUrl = () => `${base}/danmaku?fromMs=${randomFrom()}&limit=1000`;
  const fullPage = (status: number, body: Buffer) => {
    if (status !== 200 || json(body).items.length !== 1000) throw new Error(`page: ${status}`);
  };
  const ok = (status: number) => {
    if (status !== 200) throw new Error(`status ${status}`);
  };
  // Warm-up: JIT, connections, Redis script cache.
  await measure(30, pageUrl, fullPage);
  await measure(10, () => `${base}/density`, ok);

  const results = {
    load,
    page1000: await measure(REQUESTS, pageUrl, fullPage),
    densityDefault: await measure(
      REQUESTS,
      () => `${base}/density`,
      (s, b) => {
        ok(s);
        if (json(b).buckets.length < durationMs / 10_000 - 10) throw new Error('density: too few buckets');
      },
    ),
    density2s: await measure(Math.ceil(REQUESTS / 2), () => `${base}/density?bucketMs=2000`, ok),
    densityExact1500: await measure(Math.ceil(REQUESTS / 5), () => `${base}/density?bucketMs=1500`, ok),
    page304: await (async () => {
      const etag = await new Promise<string>((resolve, reject) =>
        httpGet(`${base}/danmaku?fromMs=0&limit=1000`, { agent }, (res) => {
          res.resume();
          resolve(String(res.headers.etag));
        }).on('error', reject),
      );
      return measure(
        REQUESTS,
        () => `${base}/danmaku?fromMs=0&limit=1000`,
        (s) => {
          if (s !== 304) throw new Error(`expected 304, got ${s}`);
        },
        { 'if-none-match': etag },
      );
    })(),
    concurrentPages: await concurrent(REQUESTS, 8, pageUrl),
    loadAfter: load1(),
  };
  await app.stop();
  return results;
}

/**
 * The same questions answered the naive way, straight on Redis (no HTTP, no app), and the
 * page script alone: replay's store-bench entry point.
 */
function baselines(
  ns: string,
  durationMs: number,
): Promise<{ scriptPage: Latency; offsetPaging: Latency; densityByScan: Latency }> {
  return storeBench('baselines', ns, durationMs);
}

// ---------------------------------------------------------------- report

function markdown(r: Awaited<ReturnType<typeof run>>): string {
  const ms = (l: Latency) => `${l.p50} | ${l.p99} | ${l.mean} | ${l.max} | ${l.n}`;
  const pass = (ok: boolean) => (ok ? 'meets goal' : '**misses goal**');
  const best = Math.max(...r.ingest.map((i) => i.steadyRate));
  const lines = [
    `# Replay benchmark (${r.at})`,
    '',
    `Machine: ${r.machine}. Kafka, Redis, the replay app and this client share it. 1-minute load average at the start of each phase is given; the goal asks for a quiet machine (≤ ${MAX_LOAD}).`,
    '',
    '## Ingest: one replay instance consuming danmaku.accepted (real Kafka → real app → Redis)',
    '',
    '| run | messages | steady rate (danmaku/s) | from spawn (ms) | from spawn (danmaku/s) | load |',
    '|---|---|---|---|---|---|',
    ...r.ingest.map(
      (i, k) =>
        `| ${k + 1} | ${i.messages.toLocaleString('en-US')} | ${i.steadyRate.toLocaleString('en-US')} | ${i.fromSpawnMs} | ${i.fromSpawnRate.toLocaleString('en-US')} | ${i.load} |`,
    ),
    '',
    `Goal ≥ ${GOAL_INGEST.toLocaleString('en-US')} danmaku/s: best steady rate ${best.toLocaleString('en-US')} (${pass(best >= GOAL_INGEST)}). ${INGEST_ROOMS} rooms, 90 % of messages in a session.`,
    ...r.ingest
      .filter((i) => i.rebuild)
      .map(
        (i) =>
          `\n\`replay-rebuild --all\` over run 1's topic (all already stored): ${i.rebuild?.read.toLocaleString('en-US')} messages in ${i.rebuild?.elapsedMs} ms, ${i.rebuild?.rate.toLocaleString('en-US')} msg/s (${i.rebuild?.duplicates.toLocaleString('en-US')} recognised as already stored).`,
      ),
    '',
    `## Reads on one session of ${r.load.messages.toLocaleString('en-US')} danmaku over ${SESSION_HOURS} h (HTTP, sequential requests, client-side ms)`,
    '',
    '| query | p50 | p99 | mean | max | n |',
    '|---|---|---|---|---|---|',
    `| page of 1,000 at a random offset (\`danmaku?fromMs=…&limit=1000\`) | ${ms(r.reads.page1000)} |`,
    `| density, default 10 s buckets (10 s counters) | ${ms(r.reads.densityDefault)} |`,
    `| density, 2 s buckets (${Math.ceil(r.load.durationMs / 2000)} buckets, 1 s counters) | ${ms(r.reads.density2s)} |`,
    `| density, 1.5 s buckets (exact path, one ZLEXCOUNT per bucket) | ${ms(r.reads.densityExact1500)} |`,
    `| page of 1,000 revalidated with If-None-Match (304) | ${ms(r.reads.page304)} |`,
    '',
    `Goal p99 ≤ ${GOAL_P99_MS} ms: page ${pass(r.reads.page1000.p99 <= GOAL_P99_MS)}, density ${pass(r.reads.densityDefault.p99 <= GOAL_P99_MS)}. Load ${r.reads.load} at the start, ${r.reads.loadAfter} at the end.`,
    '',
    `8 concurrent clients, pages of 1,000: ${r.reads.concurrentPages.rps} pages/s (${(r.reads.concurrentPages.rps * 1000).toLocaleString('en-US')} danmaku/s), p50 ${r.reads.concurrentPages.latency.p50} ms, p99 ${r.reads.concurrentPages.latency.p99} ms.`,
    '',
    '### Straight on Redis (no HTTP): our page script, and the naive baselines on the same data',
    '',
    '| approach | p50 | p99 | mean | max | n |',
    '|---|---|---|---|---|---|',
    `| ours: the page script, 1,000 at a random offset (ZRANGEBYLEX from a position, O(log n + 1000)) | ${ms(r.baselines.scriptPage)} |`,
    `| offset paging: ZRANGEBYLEX - + LIMIT <offset> 1000 + HMGET | ${ms(r.baselines.offsetPaging)} |`,
    `| density by scanning the whole session timeline | ${ms(r.baselines.densityByScan)} |`,
    '',
    '## Redis memory',
    '',
    `${r.load.bytesPerDanmaku} bytes per stored danmaku (MEMORY USAGE of the room's keys, exact), ${r.load.usedMemoryDeltaPerDanmaku} by INFO used_memory delta (shared Redis: noisier). Loaded in one process through the ingest script at ${r.load.loadRate.toLocaleString('en-US')} danmaku/s.`,
    '',
    '| key | bytes | per danmaku |',
    '|---|---|---|',
    ...Object.entries(r.load.keyBytes).map(
      ([k, b]) => `| ${k} | ${b.toLocaleString('en-US')} | ${(b / r.load.messages).toFixed(1)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

async function run() {
  const at = new Date().toISOString();
  const { cpus } = await import('node:os');
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`;
  console.error(
    `replay bench: ${INGEST_RUNS} ingest runs of ${INGEST_N}, session of ${SESSION_N}; load ${load1()}`,
  );
  const ingest: IngestRun[] = [];
  for (let i = 0; i < INGEST_RUNS; i++) {
    ingest.push(await ingestRun(i === 0));
    console.error(`  ingest run ${i + 1}: ${ingest[i].steadyRate} danmaku/s steady, load ${ingest[i].load}`);
  }
  const ns = namespace();
  console.error(`  loading ${SESSION_N} danmaku into one session…`);
  const load = await loadSession(ns);
  console.error(`  loaded in ${load.loadMs} ms; ${load.bytesPerDanmaku} B/danmaku`);
  const readResults = await reads(ns, load.durationMs);
  const base = await baselines(ns, load.durationMs);
  return { at, machine, ingest, load, reads: readResults, baselines: base };
}

async function main(): Promise<void> {
  try {
    const results = await run();
    mkdirSync(OUT, { recursive: true });
    const stamp = results.at.replace(/[:.]/g, '-');
    const md = markdown(results);
    writeFileSync(join(OUT, `replay-${stamp}.json`), JSON.stringify(results, null, 2));
    writeFileSync(join(OUT, `replay-${stamp}.md`), md);
    console.log(md);
    console.log(`written: ${join(OUT, `replay-${stamp}.{json,md}`)}`);
  } finally {
    agent.destroy();
    for (const app of apps) await app.stop().catch(() => undefined);
    for (const ns of namespaces) await dropNamespace(ns);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
