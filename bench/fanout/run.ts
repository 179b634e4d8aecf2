/**
 * npm run bench:fanout — compares fan-out designs by measurement (issue 9, item 5):
 * (a) the classic Redis adapter, (b) the sharded Redis adapter, (c) every gateway reading
 * every partition of a Kafka topic; each with 2 and 4 gateway processes, many rooms, the
 * input stepped, driven by the load generators of bench/delivery.
 *
 *   npm run bench:fanout                                  # everything (~8 min)
 *   npm run bench:fanout -- --quick                       # smoke test, small numbers (~90 s)
 *   npm run bench:fanout -- --design kafka,sharded        # some designs only
 *   npm run bench:fanout -- --gateways 2                  # some gateway counts only
 *   npm run bench:fanout -- --step-seconds 10 --no-failure --out /tmp/f.md
 *
 * Writes bench/results/<YYYY-MM-DD>-fanout-designs.md (quick runs: tmp/bench-results/),
 * stops every process it started (also on Ctrl-C) and deletes its topic and groups.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { messageReady } from '@danmaku/process';
import { dropNamespace } from '@danmaku/testing';
import { Worker } from '../delivery/loadgen-pool';
import { makePlan, type Plan, type SystemName } from '../delivery/plan';
import {
  forgetRun,
  forkTs,
  isRunning,
  killAllNow,
  ROOT,
  stopAll,
  tailOf,
  untrack,
  type Tracked,
} from '../delivery/procs';
import { capacityOf, manyRooms, type Ctx, type SystemUnderTest } from '../delivery/scenarios';
import { trackInfra } from '../delivery/stack';
import { DESIGN_INFRA, DESIGNS, type Design } from './designs';
import { failureCheck, warmUp, type FailureSpec } from './room-probe';
import { capacityText, writeReport, type ConfigResult, type FanoutResults } from './report';

interface Args {
  quick: boolean;
  designs: Design[];
  gateways: number[];
  stepSeconds: number | null;
  failure: boolean;
  out: string | null;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    designs: [...DESIGNS],
    gateways: [2, 4],
    stepSeconds: null,
    failure: true,
    out: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--no-failure') args.failure = false;
    else if (a.startsWith('--design')) {
      const list = value().split(',');
      for (const d of list)
        if (!DESIGNS.includes(d as Design)) throw new Error(`unknown design ${d} (${DESIGNS.join(', ')})`);
      args.designs = DESIGNS.filter((d) => list.includes(d));
    } else if (a.startsWith('--gateways')) {
      args.gateways = value().split(',').map(Number);
      if (args.gateways.some((g) => ![2, 4].includes(g))) throw new Error('--gateways takes 2, 4 or 2,4');
    } else if (a.startsWith('--step-seconds')) args.stepSeconds = Number(value());
    else if (a.startsWith('--out')) args.out = value();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'npm run bench:fanout [-- --quick] [--design classic,sharded,kafka] [--gateways 2,4] [--step-seconds N] [--no-failure] [--out FILE.md]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** The delivery bench's plan with the many-rooms scenario laid out for this comparison. */
function fanoutPlan(args: Args): { plan: Plan; failure: FailureSpec; warm: FailureSpec } {
  const plan = makePlan(args.quick);
  const stepMs = (args.stepSeconds ?? (args.quick ? 2 : 18)) * 1000;
  plan.manyRooms = {
    ...plan.manyRooms,
    // 1 sender + 24 viewers a room: 24 splits evenly over 2 and 4 gateways.
    rooms: args.quick ? 24 : 200,
    viewersPerRoom: args.quick ? 9 : 25,
    // 200 → 400 → 800 danmaku/s in (quick: 48 → 120).
    ratesPerRoom: args.quick ? [2, 5] : [1, 2, 4],
    referencePerRoom: 2,
    durationMs: stepMs,
    drainMaxMs: args.quick ? 1500 : 5000,
  };
  const failure: FailureSpec = args.quick
    ? { rooms: 12, viewersPerRoom: 8, rate: 30, durationMs: 1000 }
    : { rooms: 50, viewersPerRoom: 8, rate: 100, durationMs: 5000 };
  const warm: FailureSpec = { rooms: 24, viewersPerRoom: 4, rate: 100, durationMs: args.quick ? 500 : 2000 };
  return { plan, failure, warm };
}

const t0 = Date.now();
/** Prefix of this run's adapter channels, topic and consumer groups (dropped at the end). */
const namespace = `bench-fanout-${t0.toString(36)}`;
const say = (line: string) => process.stdout.write(`${line}\n`);
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** Forks one gateway (bench/fanout/gateway.ts) and waits for its `ready` with the port it listens on. */
async function startGateway(
  design: Design,
  name: string,
  env: NodeJS.ProcessEnv,
): Promise<{ t: Tracked; url: string }> {
  const t = forkTs(name, 'ours', join('..', 'fanout', 'gateway.ts'), {
    ...env,
    FANOUT_DESIGN: design,
    FANOUT_NAME: name,
  });
  let port = 0;
  const ready = (m: unknown) => {
    const msg = m as { type?: string; port?: number };
    if (msg.type !== 'ready') return false;
    port = Number(msg.port);
    return true;
  };
  await t.proc?.waitReady(messageReady(ready), { timeoutMs: 45_000, intervalMs: 50 });
  return { t, url: `http://127.0.0.1:${port}` };
}

async function stopGateways(gws: Tracked[]): Promise<void> {
  await Promise.all(gws.map((t) => t.proc?.stop({ graceMs: 5000 })));
  for (const t of gws) untrack(t.name);
}

async function createTopic(brokers: string[], topic: string): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-fanout', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // As many partitions as danmaku.accepted.v1 (libs/contracts kafka-topics.ts).
    await admin.createTopics({
      topics: [{ topic, numPartitions: 6, replicationFactor: -1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (existsSync('/tmp/BENCH_RUNNING'))
    say('warning: /tmp/BENCH_RUNNING exists: another benchmark may be running');
  const { plan, failure, warm } = fanoutPlan(args);
  const topic = `${namespace}.fanout.danmaku.v1`;
  const runId = Date.now().toString(36).slice(-5);
  const startedAt = new Date();
  const mr = plan.manyRooms;
  const inputs = mr.ratesPerRoom.map((r) => Math.round(r * mr.rooms));
  const outFile =
    args.out ??
    join(
      ROOT,
      args.quick ? 'tmp/bench-results' : 'bench/results',
      `${startedAt.toISOString().slice(0, 10)}-fanout-designs${args.quick ? '-quick' : ''}.md`,
    );
  const results: FanoutResults = {
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
    layout: { rooms: mr.rooms, socketsPerRoom: mr.viewersPerRoom, stepSeconds: mr.durationMs / 1000, inputs },
    configs: [],
    notes: [],
  };
  const configs = args.gateways.flatMap((g) => args.designs.map((d) => ({ design: d, gateways: g })));
  const perConfig = 16 + inputs.length * (mr.durationMs / 1000 + 2);
  say(
    `fan-out bench (${results.mode}): ${configs.length} configurations × ${inputs.join(' → ')}/s, ` +
      `${mr.rooms} rooms × ${mr.viewersPerRoom}; about ${Math.round((configs.length * perConfig) / 60 + 0.5)} min. ` +
      `load average ${results.machine.loadStart} on ${results.machine.cpus} cores`,
  );

  let aborted = false;
  let finishing = false;
  const finish = async (code: number) => {
    if (finishing) return;
    finishing = true;
    await stopAll(5000).catch(() => undefined);
    forgetRun();
    await dropNamespace(namespace).catch(() => undefined);
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (aborted) {
        killAllNow();
        process.exit(130);
      }
      aborted = true;
      say(`\n${sig}: stopping after cleanup (again to kill at once)`);
      void finish(130);
    });
  }
  process.on('exit', killAllNow);

  const infraMod = (await import(pathToFileURL(join(ROOT, 'tools', 'infra', 'up.mjs')).href)) as {
    infraUp(o: { quiet: boolean }): Promise<unknown>;
  };
  say(`[${elapsed()}] infra up …`);
  await infraMod.infraUp({ quiet: true });
  const infra = {
    kafkaBrokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  };
  results.notes.push(...trackInfra(infra));
  await createTopic(infra.kafkaBrokers.split(','), topic);

  say(`[${elapsed()}] starting ${plan.viewerWorkers} viewer generators + 1 sender generator …`);
  const viewers = await Promise.all(
    Array.from({ length: plan.viewerWorkers }, (_, i) => Worker.start(`loadgen-${i + 1}`, i)),
  );
  const sender = await Worker.start('loadgen-sender', plan.viewerWorkers);
  const ctx: Ctx = { plan, viewers, sender, say, aborted: () => aborted };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.kafkaBrokers,
    FANOUT_KEY: namespace,
    FANOUT_TOPIC: topic,
  };

  for (const { design, gateways } of configs) {
    if (aborted) break;
    const config: ConfigResult = { design, gateways, steps: [], capacity: 0 };
    results.configs.push(config);
    const label = `${design}-${gateways}gw`;
    say(`\n[${elapsed()}] ==== ${label}: starting ${gateways} gateways …`);
    let gws: Array<{ t: Tracked; url: string }> = [];
    try {
      const started = Date.now();
      gws = await Promise.all(
        Array.from({ length: gateways }, (_, i) => startGateway(design, `gateway-${i + 1}`, env)),
      );
      say(`  ${gateways} gateways ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const infraUsed = DESIGN_INFRA[design];
      const sut: SystemUnderTest = {
        name: label as SystemName,
        urls: gws.map((g) => g.url),
        viewerAuth: {},
        senderAuth: (i) => ({ userId: `sender-${i}` }),
        isServer: (p) => p.group === 'ours' || infraUsed.some((n) => n === p.name),
        socketServers: gws.map((g) => g.t.name),
      };
      config.warmUp = await warmUp(ctx, sut, runId, warm);
      say(
        `  warm-up: ${config.warmUp.received}/${config.warmUp.expected} delivered, p99 ${config.warmUp.latency.p99 ?? '-'} ms`,
      );
      config.steps = await manyRooms(ctx, sut, runId);
      config.capacity = capacityOf(plan, config.steps);
      say(`  ${label}: capacity ${capacityText(config, inputs)}`);
      if (args.failure && gateways === 2 && !aborted) {
        say(`  ${label}: failure check — killing gateway-1 while gateway-2's senders keep sending …`);
        const f = await failureCheck(ctx, sut, gws[0].t, runId, failure);
        config.failure = f;
        say(
          `  ${label}: after the kill, survivors got ${f.received}/${f.expected} (${(f.reach * 100).toFixed(2)} %), ` +
            `p99 ${f.latency.p99 ?? '-'} ms`,
        );
      }
    } catch (e) {
      config.error = e instanceof Error ? e.message.split('\n')[0] : String(e);
      say(`  ${label} failed: ${config.error}`);
      for (const g of gws.filter((x) => !isRunning(x.t)))
        say(`  ${g.t.name} had exited; its last lines:\n    ${tailOf(g.t, 15).join('\n    ')}`);
    } finally {
      await stopGateways(gws.map((g) => g.t));
    }
    writeReport(outFile, results); // a partial report survives a crash later on
  }

  results.finishedAt = new Date().toISOString();
  results.machine.loadEnd = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  writeReport(outFile, results);
  say(`\n[${elapsed()}] report: ${outFile}`);
  await finish(results.configs.some((c) => c.error) ? 1 : 0);
}

main().catch((e: unknown) => {
  say(`fan-out bench failed: ${e instanceof Error ? e.stack : String(e)}`);
  killAllNow();
  void dropNamespace(namespace).finally(() => process.exit(1));
});
