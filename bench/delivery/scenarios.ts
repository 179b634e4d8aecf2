/**
 * The four scenarios of issue 6, each run against one system under test (ours or the
 * baseline) with the same load generators and the same measurement.
 */
import { performance } from 'node:perf_hooks';
import { Histogram, type LatencySummary } from './histogram';
import type { ConnectArgs, ConnectResult, SendResult, SocketGroup } from './loadgen';
import { mergedStats, type MergedStats, type Worker } from './loadgen-pool';
import type { Plan, ScenarioName, SystemName } from './plan';
import { OTHERS, snapshot, usageBetween, type ProcGroup, type ProcUsage, type Snapshot } from './procs';

export interface SystemUnderTest {
  name: SystemName;
  /** The two server instances clients connect to. */
  urls: string[];
  viewerAuth: Record<string, unknown>;
  senderAuth(i: number): Record<string, unknown>;
  /** Process groups and names whose CPU is "server CPU" for this system. */
  isServer(p: { name: string; group: ProcGroup }): boolean;
  /** Server process names holding the sockets (RSS per socket). */
  socketServers: string[];
  /** Connections as the server counts them (ours: gateway_connections), when available. */
  serverConnections?(): Promise<Array<number | null>>;
  /** Server-side counters (ours: gateway metrics) whose change over a step is reported. */
  serverCounters?(): Promise<Record<string, number | null>>;
}

export interface Ctx {
  plan: Plan;
  viewers: Worker[];
  sender: Worker;
  say(line: string): void;
  /** True once Ctrl-C was pressed or a server died: scenarios stop at the next step. */
  aborted(): boolean;
}

export interface StepResult {
  system: SystemName;
  scenario: ScenarioName;
  targetRate: number;
  durationMs: number;
  sockets: number;
  rooms: number;
  socketsPerRoom: number;
  attempted: number;
  acked: number;
  ackErrors: Record<string, number>;
  skippedBackpressure: number;
  skippedLate: number;
  rejected: number;
  /** Sends the generator offered per second of the window (its achieved input rate). */
  inputRate: number;
  /** Sends acknowledged within the window, per second: whether the system kept up with the input. */
  acceptedRate: number;
  expected: number;
  received: number;
  reach: number;
  deliveriesPerSec: number;
  itemsPerFrame: number;
  latency: LatencySummary;
  latencySampledSockets: number;
  ackLatency: LatencySummary;
  disconnects: number;
  drainMs: number;
  /** CPU share of every process over the send window; cpuSec over window + drain. */
  procs: ProcUsage[];
  serverCpuSec: number;
  serverCpuPerMillion: number | null;
  maxLoadgenCpuShare: number;
  /** Cores used by processes outside the benchmark during the send window (a shared machine). */
  otherCpuShare: number;
  /** Change of the server's own counters over the step and its drain (ours: gateway metrics). */
  serverCounters: Record<string, number | null>;
}

export interface ConnectionsResult {
  system: SystemName;
  perServerTarget: number;
  total: number;
  connected: number;
  joined: number;
  errors: Record<string, number>;
  stormMs: number;
  okByServer: number[];
  serverReported: Array<number | null>;
  rssBeforeMb: number[];
  rssAfterMb: number[];
  rssPerSocketKb: number[];
  disconnectsDuringHold: number;
  holdMs: number;
  hold: ProcUsage[];
  storm: ProcUsage[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function distribute(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

interface Layout {
  rooms: string[];
  socketsPerRoom: number;
  sendersPerRoom: number;
  latencyEvery: number;
}

/**
 * Puts `socketsPerRoom` sockets in every room: `sendersPerRoom` of them in the sender
 * process (senders are viewers too), the rest spread over the viewer processes; every
 * socket alternates between the two server instances and the source addresses.
 */
async function populate(
  ctx: Ctx,
  sut: SystemUnderTest,
  layout: Layout,
): Promise<{ sockets: number; sampled: number }> {
  const W = ctx.viewers.length;
  const perWorker = new Map<string, SocketGroup>();
  const senderGroups: SocketGroup[] = [];
  let v = 0;
  let s = 0;
  let sampled = 0;
  for (const roomId of layout.rooms) {
    for (let k = 0; k < layout.sendersPerRoom; k++, s++) {
      senderGroups.push({
        url: sut.urls[s % sut.urls.length],
        roomId,
        count: 1,
        measure: 1,
        role: 'sender',
        auth: sut.senderAuth(s),
      });
      sampled++;
    }
    for (let k = layout.sendersPerRoom; k < layout.socketsPerRoom; k++, v++) {
      const url = sut.urls[v % sut.urls.length];
      const w = Math.floor(v / sut.urls.length) % W;
      const key = `${w}|${url}|${roomId}`;
      const g = perWorker.get(key) ?? {
        url,
        roomId,
        count: 0,
        measure: 0,
        role: 'viewer' as const,
        auth: sut.viewerAuth,
      };
      g.count++;
      if (v % layout.latencyEvery === 0) {
        g.measure++;
        sampled++;
      }
      perWorker.set(key, g);
    }
  }
  const groupsOf = (w: number) => [...perWorker].filter(([k]) => k.startsWith(`${w}|`)).map(([, g]) => g);
  const args = (groups: SocketGroup[]): ConnectArgs => ({
    groups,
    localAddresses: ctx.plan.localAddresses,
    concurrency: ctx.plan.connectConcurrency,
    timeoutMs: 20_000,
    join: true,
  });
  const total = layout.rooms.length * layout.socketsPerRoom;
  ctx.say(
    `  connecting ${total} sockets (${layout.rooms.length} room(s) × ${layout.socketsPerRoom}) to ${sut.name} …`,
  );
  const t0 = performance.now();
  const results = await Promise.all([
    ctx.sender.connect(args(senderGroups), 300_000),
    ...ctx.viewers.map((w, i) => w.connect(args(groupsOf(i)), 300_000)),
  ]);
  const joined = results.reduce((n, r) => n + r.joined, 0);
  const errors = mergeCounts(results.map((r) => r.errors));
  ctx.say(
    `  ${joined}/${total} joined in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
      (Object.keys(errors).length ? `; errors ${JSON.stringify(errors)}` : ''),
  );
  if (joined < total * 0.99)
    throw new Error(`only ${joined} of ${total} sockets joined: ${JSON.stringify(errors)}`);
  return { sockets: joined, sampled };
}

/** Closes every socket and waits until the servers have let go of them (bounded). */
export async function teardown(ctx: Ctx, sut: SystemUnderTest): Promise<void> {
  const all = [ctx.sender, ...ctx.viewers];
  await Promise.all(all.map((w) => w.closeAll()));
  await Promise.all(all.map((w) => w.reset()));
  const deadline = Date.now() + 20_000;
  await sleep(1000);
  while (sut.serverConnections && Date.now() < deadline) {
    const counts = await sut.serverConnections();
    if (counts.every((c) => c === null || c === 0)) break;
    await sleep(500);
  }
}

function mergeCounts(list: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list) for (const [k, n] of Object.entries(m)) out[k] = (out[k] ?? 0) + n;
  return out;
}

const short = (name: string) =>
  name
    .replace('gateway-', 'gw')
    .replace('baseline-', 'bl')
    .replace('moderation', 'mod')
    .replace('loadgen-', 'lg');

function fmtRate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

function serverCpu(sut: SystemUnderTest, usage: ProcUsage[]): number {
  return usage.filter((u) => sut.isServer(u)).reduce((n, u) => n + u.cpuSec, 0);
}

/** Prints one progress line a second while a step runs: input, deliveries/s, CPU per process. */
function progress(ctx: Ctx, sut: SystemUnderTest, label: string, startedAt: number): () => void {
  const all = [ctx.sender, ...ctx.viewers];
  let prevStats: MergedStats | null = null;
  let prevSnap: Snapshot = snapshot();
  let prevAt = performance.now();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    mergedStats(all)
      .then((st) => {
        const now = performance.now();
        const snap = snapshot();
        const dt = now - prevAt;
        if (prevStats) {
          const usage = usageBetween(prevSnap, snap, dt)
            .filter((u) => sut.isServer(u) || u.group === 'loadgen' || u.group === 'other')
            .sort((a, b) => b.cpuShare - a.cpuShare)
            .slice(0, 7)
            .map((u) => `${short(u.name)} ${(u.cpuShare * 100).toFixed(0)}%`)
            .join(' ');
          const recv = ((st.items - prevStats.items) * 1000) / dt;
          const sent = st.sending ? `sent ${st.sending.attempted} acked ${st.sending.acked}` : 'draining';
          ctx.say(
            `    ${label} ${((now - startedAt) / 1000).toFixed(0)}s  ${sent}  recv ${fmtRate(recv)}/s  cpu: ${usage}`,
          );
        }
        prevStats = st;
        prevSnap = snap;
        prevAt = now;
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 1000);
  return () => clearInterval(timer);
}

interface StepSpec {
  scenario: ScenarioName;
  step: number;
  rate: number;
  durationMs: number;
  drainMaxMs: number;
  rooms: number;
  socketsPerRoom: number;
  sockets: number;
  sampled: number;
}

async function deliveryStep(ctx: Ctx, sut: SystemUnderTest, spec: StepSpec): Promise<StepResult> {
  const all = [ctx.sender, ...ctx.viewers];
  const label = `[${sut.name} ${spec.scenario} ${spec.rate}/s]`;
  const c0 = sut.serverCounters ? await sut.serverCounters() : {};
  const m0 = await mergedStats(all);
  const s0 = snapshot();
  const t0 = performance.now();
  const stop = progress(ctx, sut, label, t0);
  let sendResult: SendResult;
  let m1: MergedStats;
  let s1: Snapshot;
  let t1: number;
  try {
    const sending = ctx.sender.send({
      step: spec.step,
      rate: spec.rate,
      durationMs: spec.durationMs,
      maxInflightPerSender: 500,
      ackTimeoutMs: ctx.plan.ackTimeoutMs,
    });
    // The delivery rate is taken over exactly the send window; late arrivals still count for reach.
    await Promise.race([sleep(spec.durationMs), sending.then(() => undefined)]);
    [m1, s1, t1] = [await mergedStats(all), snapshot(), performance.now()];
    sendResult = await sending;
  } finally {
    stop();
  }
  // Drain: wait until every expected delivery arrived, or nothing moved for 1.5 s, or the cap.
  const drainStart = performance.now();
  let last = -1;
  let lastChange = drainStart;
  let m2 = await mergedStats(all);
  // A send whose ack timed out may still have been queued and delivered (a busy server acks
  // late): it is expected too, so reach never exceeds 100 % and never flatters a slow server.
  const timedOut = sendResult.ackErrors['ack timeout'] ?? 0;
  const expectedOf = (m: MergedStats) =>
    Math.max(0, sendResult.acked + timedOut - (m.rejections - m0.rejections)) * spec.socketsPerRoom;
  for (;;) {
    const received = m2.itemsByStep.get(spec.step) ?? 0;
    const now = performance.now();
    if (received !== last) {
      last = received;
      lastChange = now;
    }
    if (received >= expectedOf(m2) || now - lastChange > 1500 || now - drainStart > spec.drainMaxMs) break;
    await sleep(200);
    m2 = await mergedStats(all);
  }
  const s2 = snapshot();
  const t2 = performance.now();
  const withLatency = await mergedStats(all, true);
  const c2 = sut.serverCounters ? await sut.serverCounters() : {};
  const serverCounters: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(c2)) {
    const before = c0[k];
    serverCounters[k] = v === null || before === null || before === undefined ? null : v - before;
  }
  const received = withLatency.itemsByStep.get(spec.step) ?? 0;
  const expected = expectedOf(withLatency);
  const windowUsage = usageBetween(s0, s1, t1 - t0);
  const wholeUsage = usageBetween(s0, s2, t2 - t0);
  const procs = windowUsage.map((u) => ({
    ...u,
    cpuSec: wholeUsage.find((w) => w.name === u.name)?.cpuSec ?? u.cpuSec,
  }));
  const serverCpuSec = Math.round(serverCpu(sut, wholeUsage) * 100) / 100;
  const frames = m1.frames - m0.frames;
  const windowItems = m1.items - m0.items;
  const result: StepResult = {
    system: sut.name,
    scenario: spec.scenario,
    targetRate: spec.rate,
    durationMs: spec.durationMs,
    sockets: spec.sockets,
    rooms: spec.rooms,
    socketsPerRoom: spec.socketsPerRoom,
    attempted: sendResult.attempted,
    acked: sendResult.acked,
    ackErrors: sendResult.ackErrors,
    skippedBackpressure: sendResult.skippedBackpressure,
    skippedLate: sendResult.skippedLate,
    rejected: withLatency.rejections - m0.rejections,
    inputRate: Math.round((sendResult.attempted / (sendResult.elapsedMs / 1000)) * 10) / 10,
    acceptedRate: Math.round(((m1.sending?.acked ?? sendResult.acked) / ((t1 - t0) / 1000)) * 10) / 10,
    expected,
    received,
    reach: expected > 0 ? received / expected : 0,
    deliveriesPerSec: Math.round((windowItems * 1000) / (t1 - t0)),
    itemsPerFrame: frames > 0 ? Math.round((windowItems / frames) * 100) / 100 : 0,
    latency: (withLatency.latencyByStep.get(spec.step) ?? new Histogram()).summary(),
    latencySampledSockets: spec.sampled,
    ackLatency: sendResult.ackLatency,
    disconnects: withLatency.disconnects - m0.disconnects,
    drainMs: Math.round(t2 - drainStart),
    procs,
    serverCpuSec,
    serverCpuPerMillion: received > 0 ? Math.round((serverCpuSec / (received / 1e6)) * 100) / 100 : null,
    maxLoadgenCpuShare: Math.max(
      0,
      ...windowUsage.filter((u) => u.group === 'loadgen').map((u) => u.cpuShare),
    ),
    otherCpuShare: windowUsage.find((u) => u.name === OTHERS)?.cpuShare ?? 0,
    serverCounters,
  };
  ctx.say(
    `  ${label} input ${result.inputRate}/s, acked in window ${result.acceptedRate}/s (${result.acked} acked in all${errText(result)})  ` +
      `deliveries ${fmtRate(result.deliveriesPerSec)}/s  reach ${(result.reach * 100).toFixed(2)}%  ` +
      `p50 ${ms(result.latency.p50)} p99 ${ms(result.latency.p99)} p99.9 ${ms(result.latency.p999)}  ` +
      `items/frame ${result.itemsPerFrame}  server CPU ${result.serverCpuSec}s` +
      (result.serverCpuPerMillion !== null ? ` (${result.serverCpuPerMillion}s per M deliveries)` : '') +
      `  busiest generator ${(result.maxLoadgenCpuShare * 100).toFixed(0)}%` +
      `  other processes ${result.otherCpuShare.toFixed(2)} cores`,
  );
  return result;
}

function errText(r: StepResult): string {
  const parts: string[] = [];
  const errs = Object.entries(r.ackErrors);
  if (errs.length) parts.push(`errors ${errs.map(([k, n]) => `${k}×${n}`).join(' ')}`);
  if (r.skippedBackpressure) parts.push(`${r.skippedBackpressure} not sent (sender in-flight cap)`);
  if (r.skippedLate) parts.push(`${r.skippedLate} not sent (generator late)`);
  if (r.rejected) parts.push(`${r.rejected} rejected`);
  if (r.disconnects) parts.push(`${r.disconnects} disconnects`);
  const drops = r.serverCounters['gateway_slow_consumer_drops_total'];
  if (drops) parts.push(`${drops} batches dropped by the gateway (slow consumers)`);
  return parts.length ? `; ${parts.join(', ')}` : '';
}

const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)}ms`);

/** Whether a step meets the capacity criteria (p99, reach, and the input was really offered). */
export function meetsCapacity(plan: Plan, s: StepResult): boolean {
  return (
    s.latency.p99 !== null &&
    s.latency.p99 <= plan.capacity.p99Ms &&
    s.reach >= plan.capacity.reach &&
    s.inputRate >= s.targetRate * 0.95
  );
}

/** A step clearly past capacity: the next (higher) steps would only be worse, so stepping stops. */
function pastCapacity(r: StepResult, rules: { stopBelowReach: number; stopAboveP99Ms: number }): boolean {
  return r.reach < rules.stopBelowReach || (r.latency.p99 ?? Infinity) > rules.stopAboveP99Ms;
}

export function capacityOf(plan: Plan, steps: StepResult[]): number {
  return steps.filter((s) => meetsCapacity(plan, s)).reduce((m, s) => Math.max(m, s.targetRate), 0);
}

// ---------------------------------------------------------------------------

export async function hotRoom(ctx: Ctx, sut: SystemUnderTest, runId: string): Promise<StepResult[]> {
  const p = ctx.plan.hotRoom;
  const roomId = `${runId}-hot-${sut.name}`;
  ctx.say(
    `\n== hot room (${sut.name}): 1 room, ${p.viewers} viewers over ${sut.urls.length} instances, input ${p.steps.join(' → ')}/s, ${p.stepMs / 1000}s a step`,
  );
  const { sockets, sampled } = await populate(ctx, sut, {
    rooms: [roomId],
    socketsPerRoom: p.viewers,
    sendersPerRoom: p.senders,
    latencyEvery: ctx.plan.latencyEvery,
  });
  const steps: StepResult[] = [];
  try {
    for (const [i, rate] of p.steps.entries()) {
      if (ctx.aborted()) break;
      const r = await deliveryStep(ctx, sut, {
        scenario: 'hot-room',
        step: i + 1,
        rate,
        durationMs: p.stepMs,
        drainMaxMs: p.drainMaxMs,
        rooms: 1,
        socketsPerRoom: sockets,
        sockets,
        sampled,
      });
      steps.push(r);
      if (pastCapacity(r, p)) {
        ctx.say(
          `  stopping ${sut.name}'s hot room here: reach ${(r.reach * 100).toFixed(1)}%, p99 ${ms(r.latency.p99)}`,
        );
        break;
      }
    }
  } finally {
    await teardown(ctx, sut);
  }
  return steps;
}

export async function manyRooms(ctx: Ctx, sut: SystemUnderTest, runId: string): Promise<StepResult[]> {
  const p = ctx.plan.manyRooms;
  const inputs = p.ratesPerRoom.map((perRoom) => Math.round(p.rooms * perRoom));
  ctx.say(
    `\n== many rooms (${sut.name}): ${p.rooms} rooms × ${p.viewersPerRoom} viewers, ${p.ratesPerRoom.join(' → ')} danmaku/s per room ` +
      `(${inputs.join(' → ')}/s in), ${p.durationMs / 1000}s a step`,
  );
  const rooms = Array.from({ length: p.rooms }, (_, i) => `${runId}-many-${sut.name}-${i}`);
  const { sockets, sampled } = await populate(ctx, sut, {
    rooms,
    socketsPerRoom: p.viewersPerRoom,
    sendersPerRoom: 1,
    latencyEvery: ctx.plan.latencyEvery,
  });
  const steps: StepResult[] = [];
  try {
    for (const [i, rate] of inputs.entries()) {
      if (ctx.aborted()) break;
      const r = await deliveryStep(ctx, sut, {
        scenario: 'many-rooms',
        step: i + 1,
        rate,
        durationMs: p.durationMs,
        drainMaxMs: p.drainMaxMs,
        rooms: p.rooms,
        socketsPerRoom: p.viewersPerRoom,
        sockets,
        sampled,
      });
      steps.push(r);
      if (pastCapacity(r, p)) {
        ctx.say(
          `  stopping ${sut.name}'s many rooms here: reach ${(r.reach * 100).toFixed(1)}%, p99 ${ms(r.latency.p99)}`,
        );
        break;
      }
    }
  } finally {
    await teardown(ctx, sut);
  }
  return steps;
}

export async function idleLatency(ctx: Ctx, sut: SystemUnderTest, runId: string): Promise<StepResult[]> {
  const p = ctx.plan.idle;
  ctx.say(
    `\n== idle latency (${sut.name}): 1 room, ${p.viewers} viewers, ${p.rate} danmaku/s for ${p.durationMs / 1000}s`,
  );
  const { sockets, sampled } = await populate(ctx, sut, {
    rooms: [`${runId}-idle-${sut.name}`],
    socketsPerRoom: p.viewers,
    sendersPerRoom: 1,
    latencyEvery: 1,
  });
  try {
    return [
      await deliveryStep(ctx, sut, {
        scenario: 'idle-latency',
        step: 1,
        rate: p.rate,
        durationMs: p.durationMs,
        drainMaxMs: p.drainMaxMs,
        rooms: 1,
        socketsPerRoom: sockets,
        sockets,
        sampled,
      }),
    ];
  } finally {
    await teardown(ctx, sut);
  }
}

export async function connections(ctx: Ctx, sut: SystemUnderTest, runId: string): Promise<ConnectionsResult> {
  const p = ctx.plan.connections;
  const W = ctx.viewers.length;
  const total = p.perGateway * sut.urls.length;
  ctx.say(
    `\n== connections (${sut.name}): ${p.perGateway} idle sockets per instance (${total} total), connect + room:join storm over ${W} generators`,
  );
  const rssOf = (snap: Snapshot) => sut.socketServers.map((n) => snap.get(n)?.rssMb ?? 0);
  const before = snapshot();
  const groups: SocketGroup[][] = Array.from({ length: W }, () => []);
  sut.urls.forEach((url) => {
    distribute(p.perGateway, W).forEach((count, w) => {
      distribute(count, p.rooms).forEach((n, r) => {
        if (n > 0)
          groups[w].push({
            url,
            roomId: `${runId}-conn-${sut.name}-${r}`,
            count: n,
            measure: 0,
            role: 'viewer',
            auth: sut.viewerAuth,
          });
      });
    });
  });
  const t0 = performance.now();
  let results: ConnectResult[] = [];
  const ticker = setInterval(() => {
    mergedStats(ctx.viewers)
      .then((st) =>
        ctx.say(
          `    [${sut.name} connections] ${((performance.now() - t0) / 1000).toFixed(0)}s  ${st.connected}/${total} connected`,
        ),
      )
      .catch(() => undefined);
  }, 2000);
  try {
    results = await Promise.all(
      ctx.viewers.map((w, i) =>
        w.connect(
          {
            groups: groups[i],
            localAddresses: ctx.plan.localAddresses,
            concurrency: ctx.plan.connectConcurrency,
            timeoutMs: 30_000,
            join: true,
          },
          600_000,
        ),
      ),
    );
  } finally {
    clearInterval(ticker);
  }
  const stormMs = performance.now() - t0;
  const afterStorm = snapshot();
  const storm = usageBetween(before, afterStorm, stormMs);
  await sleep(2000); // let the join storm's garbage be collected before reading RSS
  const holdStart = snapshot();
  const statsAtHold = await mergedStats(ctx.viewers);
  await sleep(p.holdMs);
  const holdEnd = snapshot();
  const statsAfterHold = await mergedStats(ctx.viewers);
  const serverReported = sut.serverConnections ? await sut.serverConnections() : sut.urls.map(() => null);
  const okByServer = sut.urls.map((u) => results.reduce((n, r) => n + (r.okByUrl[u] ?? 0), 0));
  const rssBeforeMb = rssOf(before);
  const rssAfterMb = rssOf(holdStart);
  const result: ConnectionsResult = {
    system: sut.name,
    perServerTarget: p.perGateway,
    total,
    connected: results.reduce((n, r) => n + r.connected, 0),
    joined: results.reduce((n, r) => n + r.joined, 0),
    errors: mergeCounts(results.map((r) => r.errors)),
    stormMs: Math.round(stormMs),
    okByServer,
    serverReported,
    rssBeforeMb: rssBeforeMb.map((v) => Math.round(v)),
    rssAfterMb: rssAfterMb.map((v) => Math.round(v)),
    rssPerSocketKb: rssAfterMb.map((a, i) =>
      okByServer[i] > 0 ? Math.round(((a - rssBeforeMb[i]) * 1024 * 10) / okByServer[i]) / 10 : 0,
    ),
    disconnectsDuringHold: statsAfterHold.disconnects - statsAtHold.disconnects,
    holdMs: p.holdMs,
    hold: usageBetween(holdStart, holdEnd, p.holdMs),
    storm,
  };
  ctx.say(
    `  [${sut.name} connections] ${result.joined}/${total} joined in ${(stormMs / 1000).toFixed(1)} s, errors ${JSON.stringify(result.errors)}; ` +
      `RSS ${rssBeforeMb.map((v) => v.toFixed(0)).join('/')} → ${rssAfterMb.map((v) => v.toFixed(0)).join('/')} MB ` +
      `(${result.rssPerSocketKb.join(' / ')} KB per socket); server counts ${JSON.stringify(serverReported)}; ` +
      `${result.disconnectsDuringHold} dropped while idle ${p.holdMs / 1000}s`,
  );
  await teardown(ctx, sut);
  return result;
}
