/** The markdown report of the fan-out benchmark: one table of every design × gateway count × step. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StepResult } from '../delivery/scenarios';
import { DESIGN_INFRA, DESIGN_LABELS, type Design } from './designs';
import type { ProbeResult } from './room-probe';

export interface ConfigResult {
  design: Design;
  gateways: number;
  steps: StepResult[];
  /** Highest input step with p99 ≤ 250 ms, reach 100 % and the input really offered; 0 if none. */
  capacity: number;
  failure?: ProbeResult;
  warmUp?: ProbeResult;
  error?: string;
}

export interface FanoutResults {
  startedAt: string;
  finishedAt?: string;
  mode: 'quick' | 'full';
  machine: {
    cpus: number;
    cpuModel?: string;
    memGb: number;
    node: string;
    loadStart: string;
    loadEnd?: string;
  };
  commit: string | null;
  namespace: string;
  layout: { rooms: number; socketsPerRoom: number; stepSeconds: number; inputs: number[] };
  configs: ConfigResult[];
  notes: string[];
}

const ms = (v: number | null) => (v === null ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const pct = (v: number) => `${(v * 100).toFixed(v >= 0.9995 && v < 1 ? 2 : 1)} %`;
const num = (v: number | null) => (v === null ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** CPU seconds per million deliveries of the processes `pick` selects, over the step and its drain. */
function perMillion(s: StepResult, pick: (p: StepResult['procs'][number]) => boolean): number | null {
  if (s.received <= 0) return null;
  const cpu = s.procs.filter(pick).reduce((n, p) => n + p.cpuSec, 0);
  return cpu / (s.received / 1e6);
}

const isGateway = (p: { group: string }) => p.group === 'ours';

export function capacityText(c: ConfigResult, inputs: number[]): string {
  if (c.error && c.steps.length === 0) return 'failed';
  if (c.capacity === 0) return `below ${inputs[0]}/s`;
  const allPassed = c.steps.length === inputs.length && c.capacity === inputs[inputs.length - 1];
  return `${allPassed ? '≥ ' : ''}${c.capacity}/s`;
}

export function renderReport(r: FanoutResults): string {
  const L: string[] = [];
  const { layout } = r;
  L.push(`# Fan-out designs compared (${r.mode} run, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC)`);
  L.push('');
  L.push(
    `\`npm run bench:fanout${r.mode === 'quick' ? ' -- --quick' : ''}\` (bench/fanout). Commit ${r.commit ?? '?'}, ` +
      `namespace \`${r.namespace}\`.`,
  );
  L.push('');
  L.push(
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel ?? 'CPU'}, ${r.machine.memGb} GB, Node ${r.machine.node}. ` +
      `**Load average at start: ${r.machine.loadStart}**` +
      (r.machine.loadEnd ? ` (at the end: ${r.machine.loadEnd})` : '') +
      '. Kafka and Redis are shared with whatever else runs on the machine; the "others" column is ' +
      'the CPU that processes outside the benchmark used during the send window.',
  );
  L.push('');
  L.push(
    `Layout: ${layout.rooms} rooms × ${layout.socketsPerRoom} sockets (1 sender + ${layout.socketsPerRoom - 1} viewers; ` +
      `viewers spread evenly over the gateways, each room's sender on one of them), input ` +
      `${layout.inputs.join(' → ')} danmaku/s in total, ${layout.stepSeconds} s a step. Only the fan-out ` +
      'layer is measured: no auth, moderation, merging or recent buffer. A danmaku enters at its ' +
      "sender's gateway: (a)/(b) `io.to(room).emit` through the adapter, (c) produced to a topic keyed by " +
      'room, consumed by every gateway in a group of its own and emitted with `io.local.to(room)`.',
  );
  L.push('');
  L.push('## Capacity');
  L.push('');
  L.push(
    'Highest input step with p99 ≤ 250 ms, reach 100 % and the input really offered (≥ 95 % of the target); ' +
      'CPU at that step = gateways + the infrastructure the design uses (Redis for (a)/(b), the Kafka broker for (c)).',
  );
  L.push('');
  L.push('| design | gateways | capacity | p99 there | CPU-s per M deliveries there |');
  L.push('| --- | --: | --: | --: | --: |');
  for (const c of r.configs) {
    const at = c.steps.find((s) => s.targetRate === c.capacity);
    L.push(
      `| ${DESIGN_LABELS[c.design]} | ${c.gateways} | ${capacityText(c, layout.inputs)} | ${at ? ms(at.latency.p99) + ' ms' : '–'} | ` +
        `${at ? num(at.serverCpuPerMillion) : '–'} |`,
    );
  }
  L.push('');
  L.push('## Every step');
  L.push('');
  L.push(
    'Latency: send timestamp in the payload → receipt, on 1 viewer in 4 plus every sender. Reach: received ÷ ' +
      '(acknowledged × sockets of the room), after a drain. CPU-s per M deliveries over the step and its drain; ' +
      '"server" = gateways + the design\'s infrastructure; the Redis and Kafka columns are shown for every design ' +
      "(for the design that does not use one, it is idle cost and other sessions' work).",
  );
  L.push('');
  L.push(
    '| design | gw | input /s (offered) | deliveries /s | p50 ms | p99 ms | p99.9 ms | ack p50 ms | reach | server CPU-s/M | gateways | Redis | Kafka | gateway cores | others (cores) |',
  );
  L.push('| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |');
  for (const c of r.configs) {
    if (c.error)
      L.push(
        `| ${c.design} | ${c.gateways} | failed: ${c.error.replace(/\|/g, '/').slice(0, 120)} ||||||||||||||`,
      );
    for (const s of c.steps) {
      const gwShare = s.procs.filter(isGateway).reduce((n, p) => n + p.cpuShare, 0);
      L.push(
        `| ${c.design} | ${c.gateways} | ${s.targetRate} (${s.inputRate}) | ${s.deliveriesPerSec} | ${ms(s.latency.p50)} | ` +
          `${ms(s.latency.p99)} | ${ms(s.latency.p999)} | ${ms(s.ackLatency.p50)} | ${pct(s.reach)} | ${num(s.serverCpuPerMillion)} | ` +
          `${num(perMillion(s, isGateway))} | ${num(perMillion(s, (p) => p.name === 'redis'))} | ` +
          `${num(perMillion(s, (p) => p.name === 'kafka'))} | ${gwShare.toFixed(2)} | ${s.otherCpuShare.toFixed(2)} |`,
      );
    }
  }
  L.push('');
  L.push('## Failure behaviour');
  L.push('');
  L.push(
    "Two gateways; gateway-1 is SIGKILLed, then the senders on gateway-2 keep sending; reach counts gateway-2's " +
      'viewers and senders. The publisher of a room is the gateway its sender is on, so (a)/(b) only lose what ' +
      "entered at the dead gateway; in the platform, where one gateway consumes a room's partition and " +
      'publishes it, that gateway is the publisher, and its death stops the room everywhere until a rebalance.',
  );
  L.push('');
  for (const c of r.configs) {
    if (!c.failure) continue;
    const f = c.failure;
    L.push(
      `- ${DESIGN_LABELS[c.design]}: after killing ${f.killed}, the survivors received ${f.received} of ${f.expected} ` +
        `(${pct(f.reach)}), p50 ${ms(f.latency.p50)} ms, p99 ${ms(f.latency.p99)} ms; ${f.disconnects} sockets of the dead gateway dropped.`,
    );
  }
  if (!r.configs.some((c) => c.failure)) L.push('- not measured in this run');
  L.push('');
  L.push('## Per design');
  L.push('');
  for (const d of new Set(r.configs.map((c) => c.design))) {
    const warm = r.configs
      .filter((c) => c.design === d && c.warmUp)
      .map((c) => `${c.gateways} gateways ${c.warmUp?.received}/${c.warmUp?.expected}`);
    L.push(
      `- ${DESIGN_LABELS[d]}: server CPU counts the gateways + ${DESIGN_INFRA[d].join(' + ')}` +
        (warm.length ? `; unmeasured warm-up delivered ${warm.join(', ')}.` : '.'),
    );
  }
  if (r.notes.length) {
    L.push('');
    L.push('## Notes');
    L.push('');
    for (const n of r.notes) L.push(`- ${n}`);
  }
  L.push('');
  return L.join('\n');
}

export function writeReport(file: string, r: FanoutResults): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderReport(r));
}
