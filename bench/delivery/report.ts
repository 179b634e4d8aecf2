/**
 * Turns the results into bench/results/<stamp>.json, <stamp>.md and SVG charts next to them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan, SystemName } from './plan';
import type { ProfileSummary } from './profile';
import type { ProcUsage } from './procs';
import { capacityOf, type ConnectionsResult, type StepResult } from './scenarios';
import { fmtNumber, lineChart } from './svg';

type PerSystem<T> = Partial<Record<SystemName, T>>;

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  mode: 'full' | 'quick';
  machine: Record<string, unknown>;
  commit: string | null;
  namespace: string;
  plan: Plan;
  notes: string[];
  failures: string[];
  hotRoom: PerSystem<StepResult[]>;
  manyRooms: PerSystem<StepResult[]>;
  connections: PerSystem<ConnectionsResult>;
  idleLatency: PerSystem<StepResult[]>;
  goals?: GoalRow[];
  profiles?: ProfileSummary[];
}

export interface GoalRow {
  goal: string;
  ours: string;
  baseline: string;
  ratio: string;
  verdict: 'met' | 'missed' | 'not measured';
}

const COLORS: Record<SystemName, string> = { ours: '#1f6feb', baseline: '#e36209' };

const f1 = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(1);
const pct = (v: number | undefined) =>
  v === undefined ? '–' : `${(v * 100).toFixed(v >= 0.9995 && v < 1 ? 2 : 1)} %`;
const ratio = (a: number | null | undefined, b: number | null | undefined, digits = 1) =>
  a === null ||
  a === undefined ||
  b === null ||
  b === undefined ||
  !Number.isFinite(a) ||
  !Number.isFinite(b) ||
  b === 0
    ? '–'
    : `${(a / b).toFixed(digits)}×`;

/** The step both systems ran at the same input with (nearly) full reach: where CPU per delivery compares fairly. */
function commonCpuStep(ours: StepResult[], base: StepResult[]): [StepResult, StepResult] | null {
  let best: [StepResult, StepResult] | null = null;
  for (const o of ours) {
    const b = base.find((s) => s.targetRate === o.targetRate);
    if (b && o.reach >= 0.99 && b.reach >= 0.99 && o.serverCpuPerMillion && b.serverCpuPerMillion)
      best = [o, b];
  }
  return best;
}

/** The step with the lowest server CPU per delivery among those that reached (nearly) everyone. */
function leanestStep(steps: StepResult[]): StepResult | null {
  const ok = steps.filter((s) => s.reach >= 0.99 && s.serverCpuPerMillion);
  return ok.length
    ? ok.reduce((a, b) =>
        (a.serverCpuPerMillion ?? Infinity) <= (b.serverCpuPerMillion ?? Infinity) ? a : b,
      )
    : null;
}

export function goals(r: BenchResults): GoalRow[] {
  const plan = r.plan;
  const rows: GoalRow[] = [];
  const hotO = r.hotRoom.ours;
  const hotB = r.hotRoom.baseline;
  const capO = hotO ? capacityOf(plan, hotO) : null;
  const capB = hotB ? capacityOf(plan, hotB) : null;
  const firstStep = plan.hotRoom.steps[0];
  if (capO !== null && capB !== null) {
    const lower = capB === 0;
    const ratioValue = lower ? capO / firstStep : capO / capB;
    rows.push({
      goal: `Hot-room capacity (p99 ≤ ${plan.capacity.p99Ms} ms, reach 100 %) ≥ 10× the baseline's`,
      ours: `${capO}/s`,
      baseline: lower ? `< ${firstStep}/s` : `${capB}/s`,
      ratio: lower ? `> ${ratioValue.toFixed(1)}×` : `${ratioValue.toFixed(1)}×`,
      verdict: ratioValue >= 10 ? 'met' : 'missed',
    });
  } else
    rows.push({
      goal: 'Hot-room capacity ≥ 10× the baseline',
      ours: capO === null ? '–' : `${capO}/s`,
      baseline: capB === null ? '–' : `${capB}/s`,
      ratio: '–',
      verdict: 'not measured',
    });
  const atCap = hotO?.find((s) => s.targetRate === capO);
  const atCapB = hotB?.find((s) => s.targetRate === capB);
  rows.push({
    goal: '≥ 500 danmaku/s into 2,000 viewers (1,000,000 deliveries/s)',
    ours:
      capO === null
        ? '–'
        : `${capO}/s into ${hotO?.[0]?.sockets ?? 0} (${fmtNumber(atCap?.deliveriesPerSec ?? 0)} deliveries/s)`,
    baseline: capB === null ? '–' : `${capB}/s (${fmtNumber(atCapB?.deliveriesPerSec ?? 0)} deliveries/s)`,
    ratio: ratio(atCap?.deliveriesPerSec, atCapB?.deliveriesPerSec),
    verdict:
      capO === null ? 'not measured' : capO >= 500 && (hotO?.[0]?.sockets ?? 0) >= 2000 ? 'met' : 'missed',
  });
  const idleO = r.idleLatency.ours?.[0];
  const idleB = r.idleLatency.baseline?.[0];
  for (const [key, limit] of [
    ['p50', 15],
    ['p99', 50],
  ] as const) {
    const o = idleO?.latency[key] ?? null;
    const b = idleB?.latency[key] ?? null;
    rows.push({
      goal: `Idle latency through Kafka and moderation: ${key} ≤ ${limit} ms`,
      ours: o === null ? '–' : `${f1(o)} ms`,
      baseline: b === null ? '–' : `${f1(b)} ms (no Kafka, no moderation)`,
      ratio: ratio(o, b),
      verdict: o === null ? 'not measured' : o <= limit && (idleO?.reach ?? 0) >= 1 ? 'met' : 'missed',
    });
  }
  const cO = r.connections.ours;
  const cB = r.connections.baseline;
  const perSock = (c?: ConnectionsResult) => (c ? Math.max(...c.rssPerSocketKb) : null);
  rows.push({
    goal: '15,000 sockets per gateway instance at ≤ 20 KB RSS each',
    ours: cO ? `${Math.min(...cO.okByServer)} per instance, ${f1(perSock(cO))} KB/socket` : '–',
    baseline: cB ? `${Math.min(...cB.okByServer)} per instance, ${f1(perSock(cB))} KB/socket` : '–',
    ratio: ratio(perSock(cO), perSock(cB), 2),
    verdict: !cO
      ? 'not measured'
      : Math.min(...cO.okByServer) >= 15_000 && (perSock(cO) ?? Infinity) <= 20
        ? 'met'
        : 'missed',
  });
  const errs = (c: ConnectionsResult) => Object.values(c.errors).reduce((a, b) => a + b, 0);
  rows.push({
    goal: '30,000-socket join storm (connect + room:join) in ≤ 60 s with zero errors',
    ours: cO ? `${cO.joined} in ${f1(cO.stormMs / 1000)} s, ${errs(cO)} errors` : '–',
    baseline: cB ? `${cB.joined} in ${f1(cB.stormMs / 1000)} s, ${errs(cB)} errors` : '–',
    ratio: cO && cB ? ratio(cO.stormMs, cB.stormMs, 2) : '–',
    verdict: !cO
      ? 'not measured'
      : cO.joined >= 30_000 && cO.stormMs <= 60_000 && errs(cO) === 0
        ? 'met'
        : 'missed',
  });
  // Each system at its most efficient step (full reach): fixed costs (ours: Kafka, moderation,
  // replay) weigh most at low input, so the same-input figure is shown beside it.
  const bestO = hotO ? leanestStep(hotO) : null;
  const bestB = hotB ? leanestStep(hotB) : null;
  const same = hotO && hotB ? commonCpuStep(hotO, hotB) : null;
  const sameText = (s: StepResult | undefined) =>
    s ? `; ${f1(s.serverCpuPerMillion)} at ${s.targetRate}/s (same input)` : '';
  const cpuRatio =
    bestO && bestB ? (bestO.serverCpuPerMillion ?? 0) / (bestB.serverCpuPerMillion ?? 1) : null;
  rows.push({
    goal: 'Server CPU per million deliveries (hot room) ≤ 0.2× the baseline (each at its most efficient step with full reach)',
    ours: bestO
      ? `${f1(bestO.serverCpuPerMillion)} CPU-s at ${bestO.targetRate}/s${sameText(same?.[0])}`
      : '–',
    baseline: bestB
      ? `${f1(bestB.serverCpuPerMillion)} CPU-s at ${bestB.targetRate}/s${sameText(same?.[1])}`
      : '–',
    ratio:
      cpuRatio === null
        ? '–'
        : `${cpuRatio.toFixed(2)}×${same ? ` (same input ${ratio(same[0].serverCpuPerMillion, same[1].serverCpuPerMillion, 2)})` : ''}`,
    verdict: cpuRatio === null ? 'not measured' : cpuRatio <= 0.2 ? 'met' : 'missed',
  });
  return rows;
}

function stepTable(steps: StepResult[]): string[] {
  const out = [
    '| input target /s | offered /s | acked in window /s | sockets | deliveries/s | reach | p50 ms | p99 ms | p99.9 ms | items/frame | ack p99 ms | server CPU s | CPU s per M deliveries | busiest generator | other processes (cores) | machine busy (cores) | notes |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const s of steps) {
    const notes: string[] = [];
    for (const [k, n] of Object.entries(s.ackErrors)) notes.push(`${n}× ${k}`);
    if (s.skippedBackpressure) notes.push(`${s.skippedBackpressure} not sent (in-flight cap)`);
    if (s.skippedLate) notes.push(`${s.skippedLate} not sent (generator late)`);
    if (s.rejected) notes.push(`${s.rejected} rejected`);
    if (s.disconnects) notes.push(`${s.disconnects} disconnects`);
    const drops = s.serverCounters?.['gateway_slow_consumer_drops_total'];
    const kicked = s.serverCounters?.['gateway_slow_consumer_disconnects_total'];
    if (drops) notes.push(`gateway dropped ${drops} batches for slow sockets`);
    if (kicked) notes.push(`gateway disconnected ${kicked} slow sockets`);
    out.push(
      `| ${s.targetRate} | ${s.inputRate} | ${s.acceptedRate} | ${s.sockets} | ${fmtNumber(s.deliveriesPerSec)} | ${pct(s.reach)} | ${f1(s.latency.p50)} | ${f1(s.latency.p99)} | ${f1(s.latency.p999)} | ${s.itemsPerFrame} | ${f1(s.ackLatency.p99)} | ${s.serverCpuSec} | ${f1(s.serverCpuPerMillion)} | ${(s.maxLoadgenCpuShare * 100).toFixed(0)} % | ${(s.otherCpuShare ?? 0).toFixed(2)} | ${s.procs.reduce((n, p) => n + p.cpuShare, 0).toFixed(2)} | ${notes.join('; ')} |`,
    );
  }
  return out;
}

/** CPU and RSS of the processes that took part: the system's servers, Kafka/Redis, the generators. */
function procTable(steps: StepResult[], system: SystemName): string[] {
  const other = system === 'ours' ? 'baseline' : 'ours';
  const names = [
    ...new Set(steps.flatMap((s) => s.procs.filter((p) => p.group !== other).map((p) => p.name))),
  ];
  const out = [`| input /s | ${names.join(' | ')} |`, `|---:|${names.map(() => '---:').join('|')}|`];
  for (const s of steps) {
    const cell = (n: string) => {
      const p = s.procs.find((x) => x.name === n);
      return p ? `${(p.cpuShare * 100).toFixed(0)} % · ${p.rssMb.toFixed(0)} MB` : '–';
    };
    out.push(`| ${s.targetRate} | ${names.map(cell).join(' | ')} |`);
  }
  return out;
}

function sideBySide(ours: StepResult[] = [], base: StepResult[] = []): string[] {
  const rates = [...new Set([...ours, ...base].map((s) => s.targetRate))].sort((a, b) => a - b);
  const out = [
    '| input /s | deliveries/s ours | baseline | ratio | reach ours | baseline | p50 ms ours | baseline | p99 ms ours | baseline | p99 ratio | CPU s/M ours | baseline | CPU ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const rate of rates) {
    const o = ours.find((s) => s.targetRate === rate);
    const b = base.find((s) => s.targetRate === rate);
    out.push(
      `| ${rate} | ${o ? fmtNumber(o.deliveriesPerSec) : '–'} | ${b ? fmtNumber(b.deliveriesPerSec) : '–'} | ${ratio(o?.deliveriesPerSec, b?.deliveriesPerSec)} | ` +
        `${pct(o?.reach)} | ${pct(b?.reach)} | ${f1(o?.latency.p50)} | ${f1(b?.latency.p50)} | ${f1(o?.latency.p99)} | ${f1(b?.latency.p99)} | ${ratio(o?.latency.p99, b?.latency.p99, 2)} | ` +
        `${f1(o?.serverCpuPerMillion)} | ${f1(b?.serverCpuPerMillion)} | ${ratio(o?.serverCpuPerMillion, b?.serverCpuPerMillion, 2)} |`,
    );
  }
  return out;
}

function connectionsTable(c: PerSystem<ConnectionsResult>): string[] {
  const systems = (['ours', 'baseline'] as const).filter((s) => c[s]);
  const row = (label: string, f: (r: ConnectionsResult) => string) =>
    `| ${label} | ${systems.map((s) => f(c[s] as ConnectionsResult)).join(' | ')} |`;
  const cpu = (u: ProcUsage[], group: string) =>
    u
      .filter((p) => p.group === group)
      .map((p) => `${p.name} ${(p.cpuShare * 100).toFixed(0)} %`)
      .join(', ');
  return [
    `| | ${systems.join(' | ')} |`,
    `|---|${systems.map(() => '---:').join('|')}|`,
    row('sockets (target)', (r) => `${r.total} (${r.perServerTarget} per instance)`),
    row('connected / joined', (r) => `${r.connected} / ${r.joined}`),
    row('errors', (r) =>
      Object.keys(r.errors).length
        ? Object.entries(r.errors)
            .map(([k, n]) => `${n}× ${k}`)
            .join(', ')
        : '0',
    ),
    row(
      'join storm (connect + room:join)',
      (r) => `${(r.stormMs / 1000).toFixed(1)} s (${Math.round(r.joined / (r.stormMs / 1000))}/s)`,
    ),
    row('sockets per instance (client view)', (r) => r.okByServer.join(' / ')),
    row('sockets per instance (server metric)', (r) =>
      r.serverReported.map((v) => (v === null ? '–' : String(v))).join(' / '),
    ),
    row('server RSS before → after, MB', (r) =>
      r.rssBeforeMb.map((b, i) => `${b} → ${r.rssAfterMb[i]}`).join(' / '),
    ),
    row('RSS per socket, KB', (r) => r.rssPerSocketKb.join(' / ')),
    row('server CPU during the storm', (r) => cpu(r.storm, r.system === 'ours' ? 'ours' : 'baseline')),
    row('server CPU while idle (heartbeats)', (r) => cpu(r.hold, r.system === 'ours' ? 'ours' : 'baseline')),
    row('dropped while idle', (r) => `${r.disconnectsDuringHold} in ${r.holdMs / 1000} s`),
    row('other processes during the storm, cores', (r) =>
      (r.storm.find((p) => p.group === 'other')?.cpuShare ?? 0).toFixed(2),
    ),
  ];
}

export function writeReport(dir: string, stamp: string, r: BenchResults): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  r.goals = goals(r);
  const charts: string[] = [];
  const hot = (['ours', 'baseline'] as const).filter((s) => r.hotRoom[s]?.length);
  if (hot.length) {
    const p99 = `${stamp}-hot-room-p99.svg`;
    writeFileSync(
      join(dir, p99),
      lineChart({
        title: 'Hot room: p99 latency (send → receipt) vs input',
        xLabel: 'input, danmaku/s (log)',
        yLabel: 'p99 latency, ms (log)',
        xLog: true,
        yLog: true,
        hLines: [{ y: r.plan.capacity.p99Ms, label: `${r.plan.capacity.p99Ms} ms` }],
        series: hot.map((s) => ({
          name: s,
          color: COLORS[s],
          points: (r.hotRoom[s] ?? [])
            .filter((x) => x.latency.p99 !== null)
            .map((x) => [x.targetRate, x.latency.p99 as number]),
        })),
      }),
    );
    const dps = `${stamp}-hot-room-deliveries.svg`;
    writeFileSync(
      join(dir, dps),
      lineChart({
        title: 'Hot room: deliveries/s vs input',
        xLabel: 'input, danmaku/s (log)',
        yLabel: 'deliveries/s (all viewers)',
        xLog: true,
        series: [
          // Drawn first, so the measured lines stay visible where they match it.
          {
            name: 'ideal (input × viewers)',
            color: '#bbb',
            points: [...new Set(hot.flatMap((s) => (r.hotRoom[s] ?? []).map((x) => x.targetRate)))]
              .sort((a, b) => a - b)
              .map((rate) => [rate, rate * r.plan.hotRoom.viewers] as [number, number]),
          },
          ...hot.map((s) => ({
            name: s,
            color: COLORS[s],
            points: (r.hotRoom[s] ?? []).map((x) => [x.targetRate, x.deliveriesPerSec] as [number, number]),
          })),
        ],
      }),
    );
    charts.push(p99, dps);
  }

  // How much of the machine something else used while we measured: the figures' reliability.
  const measured: Array<{ where: string; share: number }> = [
    ...[r.hotRoom, r.manyRooms, r.idleLatency].flatMap((x) =>
      [...(x.ours ?? []), ...(x.baseline ?? [])].map((s) => ({
        where: `${s.scenario} ${s.system} ${s.targetRate}/s`,
        share: s.otherCpuShare ?? 0,
      })),
    ),
    ...Object.values(r.connections).map((c) => ({
      where: `connections ${c?.system}`,
      share: c?.storm.find((p) => p.group === 'other')?.cpuShare ?? 0,
    })),
  ];
  const worst = measured.reduce((a, b) => (b.share > a.share ? b : a), { where: '', share: 0 });
  if (worst.share > 0.25 && !r.notes.some((n) => n.startsWith('Other processes'))) {
    r.notes.unshift(
      `Other processes (not part of the benchmark) used up to ${worst.share.toFixed(2)} of the ${r.machine['cpus']} cores during a measurement (${worst.where}; see "other processes" per step): ` +
        'such figures understate both systems; rerun on a quiet machine before comparing them with the goals.',
    );
  }
  const md: string[] = [];
  const m = r.machine;
  md.push(
    `# Delivery benchmark ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC${r.mode === 'quick' ? ' (quick smoke run: small numbers, not comparable to the goals)' : ''}`,
  );
  md.push('');
  md.push(
    `Machine: ${m['cpus']} × ${m['cpuModel']}, ${m['memGb']} GB RAM, Node ${m['node']}, load average ${m['loadStart']} at start / ${m['loadEnd']} at end. ` +
      `Commit \`${r.commit ?? 'unknown'}\`, namespace \`${r.namespace}\`. Everything (Kafka, Redis, both systems, the load generators) ran on this machine.`,
  );
  md.push('');
  md.push(
    '**Systems.** *ours*: auth, moderation, replay and two gateway instances from `dist/apps` (every danmaku goes gateway → Kafka → moderation → Kafka → gateway → viewers). ' +
      '*baseline*: two plain Socket.IO servers with `@socket.io/redis-adapter` (ioredis); every `danmaku:send` is checked and `io.to(room).emit(...)`-ed at once (bench/delivery/baseline-server.ts).',
  );
  md.push('');
  md.push(
    '**Measured.** Input = sends the generator offered per second ("acked in window": acknowledged by the server within the step). Deliveries/s = danmaku received by all sockets of the room(s) during the send window ÷ its length. ' +
      'Reach = received ÷ (acknowledged or ack timed out − rejected) × sockets in the room, counted on every socket after a drain of up to ' +
      `${r.plan.hotRoom.drainMaxMs / 1000} s. Latency = send (sender's clock) → receipt by the client, same machine clock, on 1 socket in ${r.plan.latencyEvery} (and every sender); ` +
      "senders are among the room's sockets. CPU = utime+stime from /proc of each process over the send window (share of one core) and over window + drain (seconds); " +
      'server CPU of ours = gateways, moderation, auth, replay, Kafka, Redis; of the baseline = its two servers and Redis.',
  );
  md.push('');
  if (r.goals.length) {
    md.push('## Goals (issue 6)');
    md.push('');
    md.push('| goal | ours | baseline | ratio (ours ÷ baseline) | |');
    md.push('|---|---|---|---:|---|');
    for (const g of r.goals) md.push(`| ${g.goal} | ${g.ours} | ${g.baseline} | ${g.ratio} | ${g.verdict} |`);
    md.push('');
  }
  if (hot.length) {
    const capO = r.hotRoom.ours ? capacityOf(r.plan, r.hotRoom.ours) : null;
    const capB = r.hotRoom.baseline ? capacityOf(r.plan, r.hotRoom.baseline) : null;
    const capText = (c: number | null) =>
      c === null ? '–' : c === 0 ? `below ${r.plan.hotRoom.steps[0]}/s (the first step)` : `${c}/s`;
    md.push(
      `## Hot room: 1 room, ${r.plan.hotRoom.viewers} sockets over 2 instances, ${r.plan.hotRoom.stepMs / 1000} s a step`,
    );
    md.push('');
    md.push(
      `Capacity (highest input with p99 ≤ ${r.plan.capacity.p99Ms} ms and reach 100 %): ours **${capText(capO)}**, baseline **${capText(capB)}**.`,
    );
    md.push('');
    md.push(...sideBySide(r.hotRoom.ours, r.hotRoom.baseline));
    md.push('');
    for (const c of charts) md.push(`![${c}](${c})`);
    md.push('');
    for (const s of hot) {
      md.push(`### ${s}`);
      md.push('');
      md.push(...stepTable(r.hotRoom[s] ?? []));
      md.push('');
      md.push('CPU (share of one core over the send window) and RSS per process:');
      md.push('');
      md.push(...procTable(r.hotRoom[s] ?? [], s));
      md.push('');
    }
  }
  const many = (['ours', 'baseline'] as const).filter((s) => r.manyRooms[s]?.length);
  if (many.length) {
    const p = r.plan.manyRooms;
    md.push(
      `## Many rooms: ${p.rooms} rooms × ${p.viewersPerRoom} sockets × ${p.ratePerRoom} danmaku/s, ${p.durationMs / 1000} s`,
    );
    md.push('');
    md.push(...sideBySide(r.manyRooms.ours, r.manyRooms.baseline));
    md.push('');
    for (const s of many) {
      md.push(`### ${s}`);
      md.push('');
      md.push(...stepTable(r.manyRooms[s] ?? []));
      md.push('');
      md.push(...procTable(r.manyRooms[s] ?? [], s));
      md.push('');
    }
  }
  if (r.connections.ours || r.connections.baseline) {
    md.push(
      `## Connections: ${r.plan.connections.perGateway} idle sockets per instance, spread over ${r.plan.connections.rooms} rooms, from ${r.plan.localAddresses.length} source addresses`,
    );
    md.push('');
    md.push(...connectionsTable(r.connections));
    md.push('');
  }
  const idle = (['ours', 'baseline'] as const).filter((s) => r.idleLatency[s]?.length);
  if (idle.length) {
    const p = r.plan.idle;
    md.push(
      `## Idle latency: 1 room, ${p.viewers} sockets, ${p.rate} danmaku/s for ${p.durationMs / 1000} s, latency on every socket`,
    );
    md.push('');
    md.push('| | samples | reach | p50 ms | p99 ms | p99.9 ms | max ms | ack p50 ms | ack p99 ms |');
    md.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const s of idle) {
      const x = (r.idleLatency[s] ?? [])[0];
      md.push(
        `| ${s} | ${x.latency.samples} | ${pct(x.reach)} | ${f1(x.latency.p50)} | ${f1(x.latency.p99)} | ${f1(x.latency.p999)} | ${f1(x.latency.max)} | ${f1(x.ackLatency.p50)} | ${f1(x.ackLatency.p99)} |`,
      );
    }
    md.push('');
  }
  if (r.profiles?.length) {
    md.push('## CPU profiles (whole run, self time)');
    md.push('');
    md.push(
      `\`node --cpu-prof\` of each server process over the whole run; the .cpuprofile files are in \`${stamp}-profiles/\` (open in Chrome DevTools or speedscope).`,
    );
    md.push('');
    for (const p of r.profiles) {
      md.push(`**${p.file}** — ${(p.totalMs / 1000).toFixed(1)} s on CPU`);
      md.push('');
      md.push('| function | where | self ms | share |');
      md.push('|---|---|---:|---:|');
      for (const t of p.top)
        md.push(`| \`${t.fn}\` | ${t.where} | ${t.selfMs} | ${(t.share * 100).toFixed(1)} % |`);
      md.push('');
    }
  }
  if (r.notes.length || r.failures.length) {
    md.push('## Notes');
    md.push('');
    for (const n of r.notes) md.push(`- ${n}`);
    for (const f of r.failures) md.push(`- **failed**: ${f}`);
    md.push('');
  }
  const jsonPath = join(dir, `${stamp}.json`);
  const mdPath = join(dir, `${stamp}.md`);
  writeFileSync(jsonPath, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(mdPath, md.join('\n'));
  return { json: jsonPath, md: mdPath };
}
