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
import { describeCalibration, type Calibration } from './calibrate';

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

/** The many-rooms plan of any results file: runs before the stepped input had one fixed `ratePerRoom`. */
function manyRoomsPlan(plan: Plan): Plan['manyRooms'] {
  const p = plan.manyRooms as Partial<Plan['manyRooms']> & {
    rooms: number;
    viewersPerRoom: number;
    durationMs: number;
    drainMaxMs: number;
    ratePerRoom?: number;
  };
  const legacy = p.ratePerRoom;
  return {
    stopBelowReach: plan.hotRoom.stopBelowReach,
    stopAboveP99Ms: plan.hotRoom.stopAboveP99Ms,
    ...p,
    ratesPerRoom: p.ratesPerRoom ?? (legacy === undefined ? [] : [legacy]),
    referencePerRoom: p.referencePerRoom ?? legacy ?? 2,
  };
}

const manyInput = (p: Plan['manyRooms'], perRoom: number) => Math.round(p.rooms * perRoom);

/** "200/s", "≥ 2000/s (passed every step)" or "below 100/s (the first step)". */
function capacityText(
  cap: number | null,
  first: number | undefined,
  top: number | undefined,
  rooms = 0,
): string {
  if (cap === null) return '–';
  if (cap === 0) return first === undefined ? 'none' : `below ${first}/s (the first step)`;
  const perRoom = rooms > 0 ? ` = ${+(cap / rooms).toFixed(2)}/s per room` : '';
  return cap === top ? `≥ ${cap}/s${perRoom} (passed every step)` : `${cap}/s${perRoom}`;
}

/** The goals of issue 9, each with our figure, the baseline's and a verdict. */
export function goals(r: BenchResults): GoalRow[] {
  const plan = r.plan;
  const rows: GoalRow[] = [];

  // Many rooms: the reference step (400/s in the full run) and the stepped capacity.
  const mp = manyRoomsPlan(plan);
  const manyO = r.manyRooms.ours;
  const manyB = r.manyRooms.baseline;
  const refRate = manyInput(mp, mp.referencePerRoom);
  const refO = manyO?.find((s) => s.targetRate === refRate);
  const refB = manyB?.find((s) => s.targetRate === refRate);
  const at = `Many rooms at ${refRate}/s in (${mp.rooms} rooms × ${mp.viewersPerRoom}, ${mp.referencePerRoom}/s per room)`;
  for (const [key, limit] of [
    ['p50', 30],
    ['p99', 100],
  ] as const) {
    const o = refO?.latency[key] ?? null;
    const b = refB?.latency[key] ?? null;
    rows.push({
      goal: `${at}: ${key} ≤ ${limit} ms`,
      ours: o === null ? '–' : `${f1(o)} ms`,
      baseline: b === null ? '–' : `${f1(b)} ms`,
      ratio: ratio(o, b),
      verdict: o === null ? 'not measured' : o <= limit ? 'met' : 'missed',
    });
  }
  rows.push({
    goal: `${at}: reach 100 %`,
    ours: refO ? pct(refO.reach) : '–',
    baseline: refB ? pct(refB.reach) : '–',
    ratio: '–',
    verdict: !refO ? 'not measured' : refO.reach >= 1 ? 'met' : 'missed',
  });
  const mFirst = mp.ratesPerRoom.length ? manyInput(mp, mp.ratesPerRoom[0]) : undefined;
  const mTop = mp.ratesPerRoom.length
    ? manyInput(mp, mp.ratesPerRoom[mp.ratesPerRoom.length - 1])
    : undefined;
  const mCapO = manyO ? capacityOf(plan, manyO) : null;
  const mCapB = manyB ? capacityOf(plan, manyB) : null;
  rows.push({
    goal: `Many-rooms capacity (highest input with p99 ≤ ${plan.capacity.p99Ms} ms, reach 100 %) ≥ the baseline's`,
    ours: capacityText(mCapO, mFirst, mTop, mp.rooms),
    baseline: capacityText(mCapB, mFirst, mTop, mp.rooms),
    ratio: mCapO && mCapB ? ratio(mCapO, mCapB, 2) : '–',
    // Both below the first step is no capacity at all, not a tie.
    verdict:
      mCapO === null || mCapB === null ? 'not measured' : mCapO > 0 && mCapO >= mCapB ? 'met' : 'missed',
  });
  const capStepO = manyO?.find((s) => s.targetRate === mCapO);
  const capStepB = manyB?.find((s) => s.targetRate === mCapB);
  const cpuAt = (s: StepResult | undefined, ref: StepResult | undefined) =>
    s
      ? `${f1(s.serverCpuPerMillion)} CPU-s at ${s.targetRate}/s` +
        (ref && ref !== s ? `; ${f1(ref.serverCpuPerMillion)} at ${ref.targetRate}/s` : '')
      : ref
        ? `no capacity; ${f1(ref.serverCpuPerMillion)} at ${ref.targetRate}/s`
        : '–';
  const cpuRatio =
    capStepO?.serverCpuPerMillion && capStepB?.serverCpuPerMillion
      ? capStepO.serverCpuPerMillion / capStepB.serverCpuPerMillion
      : null;
  const refRatio = ratio(refO?.serverCpuPerMillion, refB?.serverCpuPerMillion, 2);
  rows.push({
    goal: "Many rooms: server CPU per million deliveries at the capacity ≤ 1.5× the baseline's (each at its own capacity step)",
    ours: cpuAt(capStepO, refO),
    baseline: cpuAt(capStepB, refB),
    ratio:
      (cpuRatio === null ? '–' : `${cpuRatio.toFixed(2)}×`) +
      (refRatio !== '–' ? ` (at ${refRate}/s: ${refRatio})` : ''),
    // No capacity step of ours while the baseline has one: there is no "there" to compare; missed.
    verdict:
      cpuRatio !== null
        ? cpuRatio <= 1.5
          ? 'met'
          : 'missed'
        : manyO?.length && mCapO === 0 && mCapB
          ? 'missed'
          : 'not measured',
  });

  // Hot room.
  const hotO = r.hotRoom.ours;
  const hotB = r.hotRoom.baseline;
  const viewersO = hotO?.[0]?.sockets ?? 0;
  const at100O = hotO?.find((s) => s.targetRate === 100);
  const at100B = hotB?.find((s) => s.targetRate === 100);
  rows.push({
    goal: 'Hot room (2,000 viewers): p50 ≤ 50 ms at 100 danmaku/s',
    ours: at100O ? `${f1(at100O.latency.p50)} ms (${at100O.sockets} sockets)` : '–',
    baseline: at100B ? `${f1(at100B.latency.p50)} ms` : '–',
    ratio: ratio(at100O?.latency.p50, at100B?.latency.p50),
    verdict:
      at100O?.latency.p50 == null
        ? 'not measured'
        : at100O.latency.p50 <= 50 && at100O.sockets >= 2000
          ? 'met'
          : 'missed',
  });
  const capO = hotO ? capacityOf(plan, hotO) : null;
  const capB = hotB ? capacityOf(plan, hotB) : null;
  const hFirst = plan.hotRoom.steps[0];
  const hTop = plan.hotRoom.steps[plan.hotRoom.steps.length - 1];
  const atCap = hotO?.find((s) => s.targetRate === capO);
  const atCapB = hotB?.find((s) => s.targetRate === capB);
  const dps = (s: StepResult | undefined) => (s ? ` (${fmtNumber(s.deliveriesPerSec)} deliveries/s)` : '');
  rows.push({
    goal: `Hot-room capacity (p99 ≤ ${plan.capacity.p99Ms} ms, reach 100 %) ≥ 1,000 danmaku/s into 2,000 viewers (2M deliveries/s)`,
    ours: capO === null ? '–' : `${capacityText(capO, hFirst, hTop)} into ${viewersO}${dps(atCap)}`,
    baseline: capB === null ? '–' : `${capacityText(capB, hFirst, hTop)}${dps(atCapB)}`,
    ratio: ratio(atCap?.deliveriesPerSec, atCapB?.deliveriesPerSec),
    verdict: capO === null ? 'not measured' : capO >= 1000 && viewersO >= 2000 ? 'met' : 'missed',
  });
  if (capO !== null && capB !== null) {
    // The baseline below the first step: the ratio is at least ours ÷ the first step.
    const lower = capB === 0;
    const ratioValue = lower ? capO / hFirst : capO / capB;
    rows.push({
      goal: "Hot-room capacity ≥ 20× the baseline's",
      ours: capacityText(capO, hFirst, hTop),
      baseline: capacityText(capB, hFirst, hTop),
      ratio: lower ? `> ${ratioValue.toFixed(1)}×` : `${ratioValue.toFixed(1)}×`,
      verdict: ratioValue >= 20 ? 'met' : 'missed',
    });
  } else
    rows.push({
      goal: "Hot-room capacity ≥ 20× the baseline's",
      ours: capO === null ? '–' : `${capO}/s`,
      baseline: capB === null ? '–' : `${capB}/s`,
      ratio: '–',
      verdict: 'not measured',
    });

  // Idle latency.
  const idleO = r.idleLatency.ours?.[0];
  const idleB = r.idleLatency.baseline?.[0];
  for (const [key, limit] of [
    ['p50', 10],
    ['p99', 30],
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

  // Connections.
  const cO = r.connections.ours;
  const cB = r.connections.baseline;
  const perSock = (c?: ConnectionsResult) => (c ? Math.max(...c.rssPerSocketKb) : null);
  rows.push({
    goal: '≤ 16 KB RSS per idle socket at 15,000 sockets per gateway instance',
    ours: cO ? `${Math.min(...cO.okByServer)} per instance, ${f1(perSock(cO))} KB/socket` : '–',
    baseline: cB ? `${Math.min(...cB.okByServer)} per instance, ${f1(perSock(cB))} KB/socket` : '–',
    ratio: ratio(perSock(cO), perSock(cB), 2),
    verdict: !cO
      ? 'not measured'
      : Math.min(...cO.okByServer) >= 15_000 && (perSock(cO) ?? Infinity) <= 16
        ? 'met'
        : 'missed',
  });
  const errs = (c: ConnectionsResult) => Object.values(c.errors).reduce((a, b) => a + b, 0);
  rows.push({
    goal: "30,000-socket join storm (connect + room:join) no slower than the baseline's, zero errors",
    ours: cO ? `${cO.joined} in ${f1(cO.stormMs / 1000)} s, ${errs(cO)} errors` : '–',
    baseline: cB ? `${cB.joined} in ${f1(cB.stormMs / 1000)} s, ${errs(cB)} errors` : '–',
    ratio: cO && cB ? ratio(cO.stormMs, cB.stormMs, 2) : '–',
    verdict:
      !cO || !cB
        ? 'not measured'
        : cO.joined >= 30_000 && cO.stormMs <= cB.stormMs && errs(cO) === 0
          ? 'met'
          : 'missed',
  });
  return rows;
}

/** Whether a process is one of the system's servers (its CPU is the system's cost). */
function isServerOf(system: SystemName, p: { name: string; group: string }): boolean {
  return system === 'ours'
    ? p.group === 'ours' || p.group === 'infra'
    : p.group === 'baseline' || p.name === 'redis';
}

const PROC_ORDER = [
  'gateway-1',
  'gateway-2',
  'moderation',
  'replay',
  'auth',
  'kafka',
  'redis',
  'baseline-1',
  'baseline-2',
];
const procRank = (n: string) => {
  const i = PROC_ORDER.indexOf(n);
  return i < 0 ? PROC_ORDER.length : i;
};

/** Milliseconds, with about three significant digits. */
const msFmt = (v: number) =>
  v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);

/**
 * CPU budget: CPU ms per accepted danmaku of every server process, per step and system
 * (CPU over the send window ÷ danmaku acknowledged in it = cpuShare × 1000 ÷ acked/s).
 */
function budgetTable(by: PerSystem<StepResult[]>): string[] {
  const rows = (['ours', 'baseline'] as const).flatMap((sys) => (by[sys] ?? []).map((s) => ({ sys, s })));
  rows.sort((a, b) => a.s.targetRate - b.s.targetRate || (a.sys === 'ours' ? -1 : 1));
  const names = [
    ...new Set(rows.flatMap(({ sys, s }) => s.procs.filter((p) => isServerOf(sys, p)).map((p) => p.name))),
  ].sort((a, b) => procRank(a) - procRank(b) || a.localeCompare(b));
  const per = (share: number, accepted: number) => (accepted > 0 ? msFmt((share * 1000) / accepted) : '–');
  const out = [
    `| input /s | system | acked in window /s | ${names.join(' | ')} | all servers |`,
    `|---:|---|---:|${names.map(() => '---:').join('|')}|---:|`,
  ];
  for (const { sys, s } of rows) {
    const mine = s.procs.filter((p) => isServerOf(sys, p));
    const cell = (n: string) => {
      const p = mine.find((x) => x.name === n);
      return p ? per(p.cpuShare, s.acceptedRate) : '–';
    };
    const total = mine.reduce((n, p) => n + p.cpuShare, 0);
    out.push(
      `| ${s.targetRate} | ${sys} | ${s.acceptedRate} | ${names.map(cell).join(' | ')} | **${per(total, s.acceptedRate)}** |`,
    );
  }
  return out;
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

/** Both systems step by step; `rooms` adds the input per room (many rooms). */
function sideBySide(ours: StepResult[] = [], base: StepResult[] = [], rooms = 0): string[] {
  const rates = [...new Set([...ours, ...base].map((s) => s.targetRate))].sort((a, b) => a - b);
  const perRoom = rooms > 0;
  const out = [
    `| input /s |${perRoom ? ' per room /s |' : ''} deliveries/s ours | baseline | ratio | reach ours | baseline | p50 ms ours | baseline | p99 ms ours | baseline | p99 ratio | CPU s/M ours | baseline | CPU ratio |`,
    `|---:|${perRoom ? '---:|' : ''}---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const rate of rates) {
    const o = ours.find((s) => s.targetRate === rate);
    const b = base.find((s) => s.targetRate === rate);
    out.push(
      `| ${rate} |${perRoom ? ` ${+(rate / rooms).toFixed(2)} |` : ''} ${o ? fmtNumber(o.deliveriesPerSec) : '–'} | ${b ? fmtNumber(b.deliveriesPerSec) : '–'} | ${ratio(o?.deliveriesPerSec, b?.deliveriesPerSec)} | ` +
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

  const manyCharts: string[] = [];
  const manySys = (['ours', 'baseline'] as const).filter((s) => (r.manyRooms[s]?.length ?? 0) > 1);
  if (manySys.length) {
    const p99 = `${stamp}-many-rooms-p99.svg`;
    writeFileSync(
      join(dir, p99),
      lineChart({
        title: 'Many rooms: p99 latency (send → receipt) vs input',
        xLabel: 'input, danmaku/s over all rooms (log)',
        yLabel: 'p99 latency, ms (log)',
        xLog: true,
        yLog: true,
        hLines: [{ y: r.plan.capacity.p99Ms, label: `${r.plan.capacity.p99Ms} ms` }],
        series: manySys.map((s) => ({
          name: s,
          color: COLORS[s],
          points: (r.manyRooms[s] ?? [])
            .filter((x) => x.latency.p99 !== null)
            .map((x) => [x.targetRate, x.latency.p99 as number]),
        })),
      }),
    );
    manyCharts.push(p99);
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
  const calibration = m['calibration'] as Calibration | undefined;
  if (calibration) {
    md.push(
      `Machine calibration (compare it before comparing runs from different machines): ${describeCalibration(calibration)}.`,
    );
    md.push('');
  }
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
      'server CPU of ours = gateways, moderation, auth, replay, Kafka, Redis; of the baseline = its two servers and Redis. ' +
      'CPU budget = CPU of a server process over the send window ÷ danmaku acknowledged within it. ' +
      `Capacity = the highest input step with p99 ≤ ${r.plan.capacity.p99Ms} ms, reach 100 % and the input really offered (≥ 95 % of the target).`,
  );
  md.push('');
  if (r.goals.length) {
    md.push('## Goals (issue 9)');
    md.push('');
    md.push('| goal | ours | baseline | ratio (ours ÷ baseline) | |');
    md.push('|---|---|---|---:|---|');
    for (const g of r.goals) md.push(`| ${g.goal} | ${g.ours} | ${g.baseline} | ${g.ratio} | ${g.verdict} |`);
    md.push('');
  }
  if (hot.length) {
    const capO = r.hotRoom.ours ? capacityOf(r.plan, r.hotRoom.ours) : null;
    const capB = r.hotRoom.baseline ? capacityOf(r.plan, r.hotRoom.baseline) : null;
    const hSteps = r.plan.hotRoom.steps;
    const capText = (c: number | null) => capacityText(c, hSteps[0], hSteps[hSteps.length - 1]);
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
    const p = manyRoomsPlan(r.plan);
    const inputs = p.ratesPerRoom.map((x) => manyInput(p, x));
    md.push(
      `## Many rooms: ${p.rooms} rooms × ${p.viewersPerRoom} sockets, ${p.ratesPerRoom.join(' → ')} danmaku/s per room (${inputs.join(' → ')}/s in), ${p.durationMs / 1000} s a step`,
    );
    md.push('');
    const cap = (s: SystemName) => {
      const steps = r.manyRooms[s];
      if (!steps?.length) return '–';
      const c = capacityOf(r.plan, steps);
      const at = steps.find((x) => x.targetRate === c);
      return (
        `**${capacityText(c, inputs[0], inputs[inputs.length - 1], p.rooms)}**` +
        (at ? ` (${f1(at.serverCpuPerMillion)} server CPU-s per M deliveries there)` : '')
      );
    };
    md.push(
      `Capacity (highest input with p99 ≤ ${r.plan.capacity.p99Ms} ms and reach 100 %): ours ${cap('ours')}, baseline ${cap('baseline')}.`,
    );
    md.push('');
    const refRate = manyInput(p, p.referencePerRoom);
    const ref = (s: SystemName) => {
      const x = r.manyRooms[s]?.find((y) => y.targetRate === refRate);
      return x
        ? `p50 ${f1(x.latency.p50)} ms, p99 ${f1(x.latency.p99)} ms, reach ${pct(x.reach)}, ${f1(x.serverCpuPerMillion)} server CPU-s per M deliveries`
        : 'not run';
    };
    md.push(
      `At ${refRate}/s in (${p.referencePerRoom}/s per room, the issue's reference): ours ${ref('ours')}; baseline ${ref('baseline')}.`,
    );
    md.push('');
    md.push(...sideBySide(r.manyRooms.ours, r.manyRooms.baseline, p.rooms));
    md.push('');
    for (const c of manyCharts) md.push(`![${c}](${c})`);
    if (manyCharts.length) md.push('');
    for (const s of many) {
      md.push(`### ${s}`);
      md.push('');
      md.push(...stepTable(r.manyRooms[s] ?? []));
      md.push('');
      md.push('CPU (share of one core over the send window) and RSS per process:');
      md.push('');
      md.push(...procTable(r.manyRooms[s] ?? [], s));
      md.push('');
    }
  }
  const budgets = (
    [
      ['Hot room', r.hotRoom],
      ['Many rooms', r.manyRooms],
    ] as const
  ).filter(([, by]) => by.ours?.length || by.baseline?.length);
  if (budgets.length) {
    md.push('## CPU budget: server CPU ms per accepted danmaku, per process');
    md.push('');
    md.push(
      "Each server process's CPU over a step's send window ÷ the danmaku acknowledged within it (ms). " +
        'Kafka and Redis are shared by both systems, which never run at once: a row counts them for the system it belongs to.',
    );
    md.push('');
    for (const [title, by] of budgets) {
      md.push(`### ${title}`);
      md.push('');
      md.push(...budgetTable(by));
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
