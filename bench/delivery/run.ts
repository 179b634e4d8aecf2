/**
 * npm run bench — the delivery benchmark of issue 6: our stack (two gateway instances,
 * Kafka, moderation) against the plain Socket.IO + Redis adapter baseline, driven from
 * load-generator processes on this machine.
 *
 *   npm run bench                                   # everything (~15 min)
 *   npm run bench -- --quick                        # smoke test, small numbers (~3 min)
 *   npm run bench -- --scenario hot-room --quick    # one scenario (repeatable / comma list)
 *   npm run bench -- --system ours                  # only one system (ours | baseline | both)
 *   npm run bench -- --no-build --out /tmp/bench    # skip `nx build`; write results elsewhere
 *   npm run bench -- --dist /other/checkout/dist    # run another build's apps (implies --no-build)
 *   npm run bench -- --profile                      # CPU profiles of gateways, moderation, baseline
 *   npm run bench -- --render bench/results/X.json  # re-render X.md and its charts from the JSON
 *
 * Brings Kafka and Redis up (tools/infra/up.mjs), builds the apps, starts everything on
 * free ports in a fresh namespace, runs the scenarios, writes
 * bench/results/<YYYY-MM-DD>-<HHMM>.{json,md} plus SVG charts (quick runs: tmp/bench-results/),
 * stops every process it started (also on Ctrl-C) and drops the namespace.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { onStopSignals } from '@danmaku/process';
import { dropNamespace } from '@danmaku/testing';
import { Worker } from './loadgen-pool';
import { makePlan, SCENARIOS, type Plan, type ScenarioName, type SystemName } from './plan';
import {
  forgetRun,
  isRunning,
  killAllNow,
  reapStaleRun,
  ROOT,
  stopAll,
  tailOf,
  track,
  trackedProcesses,
  type Tracked,
} from './procs';
import { summarizeProfiles } from './profile';
import { calibrate, describeCalibration } from './calibrate';
import { writeReport, type BenchResults } from './report';
import * as scenarios from './scenarios';
import { bringInfraUp, startBaseline, startOurStack, trackInfra, type Infra } from './stack';

interface Args {
  quick: boolean;
  scenarios: ScenarioName[];
  systems: SystemName[];
  build: boolean;
  out: string | null;
  /** Run the apps of another build (a directory holding apps/<app>/main.js); implies --no-build. */
  dist: string | null;
  /** Server processes under `node --cpu-prof`; the report lists their hottest functions. */
  profile: boolean;
  /** Only re-render the .md and charts of an earlier results .json (after a report change). */
  render: string | null;
  /** Overrides the hot room's input steps (danmaku/s), e.g. to measure one step. */
  hotSteps: number[] | null;
  /** Overrides the many-rooms input steps (danmaku/s per room). */
  roomRates: number[] | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    scenarios: [],
    systems: ['ours', 'baseline'],
    build: true,
    out: null,
    dist: null,
    profile: false,
    render: null,
    hotSteps: null,
    roomRates: null,
  };
  const numbers = (flag: string, v: string) => {
    const list = v.split(',').map(Number);
    if (list.length === 0 || list.some((n) => !Number.isFinite(n) || n <= 0))
      throw new Error(`${flag} takes positive numbers separated by commas, not ${v}`);
    return list;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--profile') args.profile = true;
    else if (a === '--no-build') args.build = false;
    else if (a.startsWith('--scenario')) {
      for (const s of value().split(',')) {
        if (!SCENARIOS.includes(s as ScenarioName))
          throw new Error(`unknown scenario ${s} (known: ${SCENARIOS.join(', ')})`);
        args.scenarios.push(s as ScenarioName);
      }
    } else if (a.startsWith('--system')) {
      const v = value();
      if (v === 'both') args.systems = ['ours', 'baseline'];
      else if (v === 'ours' || v === 'baseline') args.systems = [v];
      else throw new Error(`--system ours|baseline|both, not ${v}`);
    } else if (a.startsWith('--out')) args.out = value();
    else if (a.startsWith('--render')) args.render = value();
    else if (a.startsWith('--hot-steps')) args.hotSteps = numbers('--hot-steps', value());
    else if (a.startsWith('--room-rates')) args.roomRates = numbers('--room-rates', value());
    else if (a.startsWith('--dist')) {
      args.dist = value();
      args.build = false;
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'npm run bench [-- --quick] [--scenario hot-room,many-rooms,connections,idle-latency] [--system ours|baseline|both] [--no-build] [--dist DIR] [--out DIR] [--profile] [--hot-steps 100,500] [--room-rates 2,5] | --render RESULTS.json\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  // Always in the canonical order (see SCENARIOS), whatever order they were named in.
  args.scenarios =
    args.scenarios.length === 0 ? [...SCENARIOS] : SCENARIOS.filter((s) => args.scenarios.includes(s));
  return args;
}

const t0 = Date.now();
const say = (line: string) => process.stdout.write(`${line}\n`);
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;

function stampOf(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** One viewer account shared by every viewer socket, and a few sender accounts. */
async function accounts(authUrl: string, senders: number): Promise<{ viewer: string; senders: string[] }> {
  const base = `b${Date.now().toString(36)}`;
  const token = async (name: string) => {
    const password = 'bench-password-1';
    await postJson(`${authUrl}/v1/auth/register`, { username: name, password });
    return String((await postJson(`${authUrl}/v1/auth/login`, { username: name, password }))['accessToken']);
  };
  const [viewer, ...rest] = await Promise.all([
    token(`${base}_v`),
    ...Array.from({ length: senders }, (_, i) => token(`${base}_s${i}`)),
  ]);
  return { viewer, senders: rest };
}

/** Sums each named metric over its label sets, on every given metrics listener; null when not exposed. */
async function scrapeMetrics(urls: string[], names: string[]): Promise<Record<string, number | null>> {
  const out: Record<string, number | null> = Object.fromEntries(names.map((n) => [n, null]));
  for (const url of urls) {
    let text = '';
    try {
      text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? ([0-9.e+-]+|NaN)$/.exec(line);
      if (m && m[1] in out && m[2] !== 'NaN') out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
    }
  }
  return out;
}

/** Gateway counters worth a column in the report (summed over both instances, per step). */
const GATEWAY_COUNTERS = [
  'gateway_broadcast_danmaku_total',
  'gateway_batch_deliveries_total',
  'gateway_slow_consumer_drops_total',
  'gateway_slow_consumer_disconnects_total',
  'gateway_broadcast_duplicates_total',
];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.render) {
    const results = JSON.parse(readFileSync(args.render, 'utf8')) as BenchResults;
    const { md } = writeReport(dirname(resolve(args.render)), basename(args.render, '.json'), results);
    say(`rendered ${md}`);
    return;
  }
  const plan: Plan = makePlan(args.quick);
  if (args.hotSteps) plan.hotRoom.steps = args.hotSteps;
  if (args.roomRates) plan.manyRooms.ratesPerRoom = args.roomRates;
  const namespace = `bench-${Date.now().toString(36)}`;
  const startedAt = new Date();
  const outDir =
    args.out ?? (args.quick ? join(ROOT, 'tmp', 'bench-results') : join(ROOT, 'bench', 'results'));
  const stamp = stampOf(startedAt);
  const profileDir = args.profile ? join(outDir, `${stamp}-profiles`) : undefined;
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    mode: args.quick ? 'quick' : 'full',
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim(),
      memGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadStart: loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
    },
    commit: gitCommit(),
    namespace,
    plan,
    notes: [],
    failures: [],
    hotRoom: {},
    manyRooms: {},
    connections: {},
    idleLatency: {},
  };
  let aborted = false;
  let finishing: Promise<void> | null = null;
  const servers: Tracked[] = [];

  const finish = (code: number, reason?: string): Promise<void> =>
    (finishing ??= (async () => {
      aborted = true;
      if (reason) {
        say(`\n${reason}`);
        results.failures.push(reason);
      }
      results.finishedAt = new Date().toISOString();
      results.machine['loadEnd'] = loadavg()
        .map((l) => l.toFixed(2))
        .join(' ');
      say(`stopping ${trackedProcesses().filter(isRunning).length} processes …`);
      // Profiled processes write their .cpuprofile on exit: give them time to.
      await stopAll(profileDir ? 60_000 : 8000);
      forgetRun();
      if (profileDir) results.profiles = summarizeProfiles(profileDir);
      const any =
        Object.values(results.hotRoom).length +
        Object.values(results.manyRooms).length +
        Object.values(results.connections).length +
        Object.values(results.idleLatency).length;
      if (any > 0) {
        const { json, md } = writeReport(outDir, stamp, results);
        say(`\nresults: ${md}\n         ${json}`);
        for (const g of results.goals ?? [])
          say(
            `  ${g.verdict.padEnd(12)} ${g.goal}: ours ${g.ours}; baseline ${g.baseline}; ratio ${g.ratio}`,
          );
      }
      say(`dropping namespace ${namespace} …`);
      await Promise.race([dropNamespace(namespace), new Promise((r) => setTimeout(r, 30_000))]);
      say(`done in ${elapsed()}`);
      process.exit(code);
    })());

  // Ctrl-C cleans up; Ctrl-C again kills everything at once.
  onStopSignals({
    stop: (sig) =>
      void finish(130, `${sig}: interrupted; cleaning up (Ctrl-C again to kill everything at once)`),
    kill: () => {
      killAllNow();
      process.exit(130);
    },
  });
  process.on('exit', killAllNow);
  // Bounded time: a run that hangs somewhere still ends, reports what it has, and cleans up.
  const deadlineMs = args.quick ? 15 * 60_000 : 45 * 60_000;
  setTimeout(() => void finish(2, `run exceeded ${deadlineMs / 60_000} min: aborted`), deadlineMs).unref();

  say(
    `delivery benchmark (${results.mode}) — scenarios ${args.scenarios.join(', ')}; systems ${args.systems.join(', ')}; namespace ${namespace}`,
  );
  say(`load average ${results.machine['loadStart']}`);
  const stale = reapStaleRun(say);
  if (stale) {
    say(`dropping namespace ${stale} left over by an earlier run …`);
    await Promise.race([dropNamespace(stale), new Promise((r) => setTimeout(r, 30_000))]);
  }
  if (loadavg()[0] > cpus().length)
    results.notes.push(`The machine was busy at the start (load average ${results.machine['loadStart']}).`);
  // After a stale run is gone (its processes would skew it); a failure is noted, not fatal.
  try {
    const calibration = await calibrate();
    results.machine['calibration'] = calibration;
    say(`machine calibration: ${describeCalibration(calibration)}`);
  } catch (err) {
    say(`machine calibration failed: ${String(err)}`);
    results.notes.push(
      `The machine calibration failed (${String(err)}): compare this run with others with care.`,
    );
  }

  // 1. Kafka + Redis, and the namespace's topics.
  say(`[${elapsed()}] infra up …`);
  const infra: Infra = await bringInfraUp(namespace);
  results.notes.push(...trackInfra(infra));
  track('bench-orchestrator', process.pid, 'bench');

  // 2. Build.
  const wantOurs = args.systems.includes('ours');
  if (wantOurs && args.build) {
    say(`[${elapsed()}] building the apps …`);
    const startMod = (await import(pathToFileURL(join(ROOT, 'tools', 'scripts', 'start.mjs')).href)) as {
      buildApps(apps?: string[]): Promise<void>;
    };
    const apps = ['gateway', 'auth', 'moderation', 'replay'];
    try {
      await startMod.buildApps(apps);
    } catch {
      // Several engineers share this tree: an app that does not build right now is run from
      // its last good build rather than losing the run, and the report says so.
      say('  the build failed; building the apps one by one to see which …');
      for (const app of apps) {
        const ok = await startMod.buildApps([app]).then(
          () => true,
          () => false,
        );
        if (ok) continue;
        const main = join(ROOT, 'dist', 'apps', app, 'main.js');
        if (!existsSync(main)) throw new Error(`${app} does not build and has no earlier build in dist/apps`);
        const note = `${app} did not build from the working tree; ran its earlier build (dist/apps/${app}/main.js of ${statSync(main).mtime.toISOString()})`;
        say(`  WARNING: ${note}`);
        results.notes.push(note);
      }
    }
  }

  // 3. The systems under test.
  const suts: scenarios.SystemUnderTest[] = [];
  if (wantOurs) {
    say(`[${elapsed()}] starting ours: auth, moderation, replay, 2 gateways …`);
    const ours = await startOurStack(namespace, infra, 2, args.dist ?? join(ROOT, 'dist'), profileDir);
    servers.push(...ours.procs);
    const tokens = await accounts(ours.authUrl, 8);
    suts.push({
      name: 'ours',
      urls: ours.gateways,
      viewerAuth: { token: tokens.viewer },
      senderAuth: (i) => ({ token: tokens.senders[i % tokens.senders.length] }),
      isServer: (p) => p.group === 'ours' || p.group === 'infra',
      socketServers: ['gateway-1', 'gateway-2'],
      serverConnections: () =>
        Promise.all(
          ours.gatewayMetrics.map(
            async (g) => (await scrapeMetrics([g], ['gateway_connections']))['gateway_connections'],
          ),
        ),
      serverCounters: () => scrapeMetrics(ours.gatewayMetrics, GATEWAY_COUNTERS),
    });
    say(`  gateways ${ours.gateways.join(' ')}, auth ${ours.authUrl}`);
  }
  if (args.systems.includes('baseline')) {
    say(`[${elapsed()}] starting the baseline: 2 Socket.IO servers + Redis adapter …`);
    const base = await startBaseline(namespace, infra, 2, profileDir);
    servers.push(...base.procs);
    suts.push({
      name: 'baseline',
      urls: base.servers,
      viewerAuth: {},
      senderAuth: (i) => ({ userId: `sender-${i}`, nickname: `sender${i}` }),
      isServer: (p) => p.group === 'baseline' || p.name === 'redis',
      socketServers: ['baseline-1', 'baseline-2'],
    });
    say(`  baseline ${base.servers.join(' ')}`);
  }

  // 4. Load generators.
  say(`[${elapsed()}] starting ${plan.viewerWorkers} viewer generators + 1 sender generator …`);
  const viewers = await Promise.all(
    Array.from({ length: plan.viewerWorkers }, (_, i) => Worker.start(`loadgen-${i + 1}`, i)),
  );
  const sender = await Worker.start('loadgen-sender', plan.viewerWorkers);
  const runId = namespace;
  const ctx: scenarios.Ctx = { plan, viewers, sender, say, aborted: () => aborted };

  const serversAlive = () => {
    const dead = servers.filter((t) => !isRunning(t));
    if (dead.length) {
      throw new Error(
        `server process died: ${dead.map((t) => `${t.name}\n${tailOf(t, 15).join('\n')}`).join('\n')}`,
      );
    }
  };

  // 5. Scenarios, each for every system.
  for (const scenario of args.scenarios) {
    for (const sut of suts) {
      if (aborted) break;
      if (scenario === 'connections' && sut.name === 'baseline' && !plan.connections.baseline) continue;
      say(`\n[${elapsed()}] ${scenario} — ${sut.name}`);
      try {
        serversAlive();
        if (scenario === 'hot-room') results.hotRoom[sut.name] = await scenarios.hotRoom(ctx, sut, runId);
        else if (scenario === 'many-rooms')
          results.manyRooms[sut.name] = await scenarios.manyRooms(ctx, sut, runId);
        else if (scenario === 'connections')
          results.connections[sut.name] = await scenarios.connections(ctx, sut, runId);
        else results.idleLatency[sut.name] = await scenarios.idleLatency(ctx, sut, runId);
        serversAlive();
      } catch (e) {
        if (aborted) break;
        const msg = `${scenario} (${sut.name}): ${e instanceof Error ? e.message : String(e)}`;
        say(`  FAILED ${msg}`);
        results.failures.push(msg);
        // Sockets of a failed scenario must not leak into the next one.
        if (servers.some((t) => !isRunning(t))) break;
        await scenarios.teardown(ctx, sut).catch(() => undefined);
      }
    }
  }
  if (plan.latencyEvery > 1) {
    results.notes.push(
      `Latency is recorded on 1 socket in ${plan.latencyEvery} (plus every sender) to keep the generators light; reach and deliveries count every socket.`,
    );
  }
  results.notes.push(
    "Kafka and Redis are shared with anything else running on this machine; their CPU is counted in full as ours (Kafka, Redis) or the baseline's (Redis).",
    'Clients are a minimal Socket.IO v4 protocol client over `ws` (bench/delivery/lite-client.ts) that counts danmaku by scanning frames instead of JSON-parsing each one; the servers see standard Socket.IO clients.',
  );
  await finish(results.failures.length ? 1 : 0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  killAllNow();
  // Best effort: the namespace's topics and keys.
  void Promise.race([
    dropNamespace(process.env['DANMAKU_NAMESPACE'] ?? ''),
    new Promise((r) => setTimeout(r, 20_000)),
  ]).finally(() => process.exit(1));
});
