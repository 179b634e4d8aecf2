/**
 * A short delivery probe on a few rooms spanning every gateway, outside the measured steps:
 *
 * - warm-up: right after the gateways start, so the first measured step does not pay for
 *   JIT, first connections to Redis/Kafka and topic metadata;
 * - failure check: SIGKILL gateway-1 first, then send from the senders on the other
 *   gateways. Every surviving viewer should go on receiving everything (reach 100 %): in
 *   (a)/(b) because the publisher of a room's danmaku is the gateway its sender is on, in
 *   (c) because each gateway reads Kafka on its own.
 */
import { performance } from 'node:perf_hooks';
import { Histogram, type LatencySummary } from '../delivery/histogram';
import type { ConnectArgs, SocketGroup } from '../delivery/loadgen';
import { mergedStats } from '../delivery/loadgen-pool';
import type { Tracked } from '../delivery/procs';
import { teardown, type Ctx, type SystemUnderTest } from '../delivery/scenarios';

export interface FailureSpec {
  rooms: number;
  /** Viewers per room (a multiple of the gateway count: each gateway holds the same share). */
  viewersPerRoom: number;
  rate: number;
  durationMs: number;
}

export interface ProbeResult {
  gateways: number;
  /** The gateway killed before sending (failure check), or null (warm-up). */
  killed: string | null;
  acked: number;
  expected: number;
  received: number;
  reach: number;
  latency: LatencySummary;
  /** Sockets disconnected during the probe (the killed gateway's). */
  disconnects: number;
}

/** Step ids of the probes' danmaku (the measured steps are 1, 2, 3 …). */
const FAILURE_STEP = 90;
const WARMUP_STEP = 91;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function failureCheck(
  ctx: Ctx,
  sut: SystemUnderTest,
  victim: Tracked,
  runId: string,
  spec: FailureSpec,
): Promise<ProbeResult> {
  return probeRooms(ctx, sut, `${runId}-fail`, spec, FAILURE_STEP, victim);
}

export function warmUp(
  ctx: Ctx,
  sut: SystemUnderTest,
  runId: string,
  spec: FailureSpec,
): Promise<ProbeResult> {
  return probeRooms(ctx, sut, `${runId}-warm`, spec, WARMUP_STEP, null);
}

async function probeRooms(
  ctx: Ctx,
  sut: SystemUnderTest,
  prefix: string,
  spec: FailureSpec,
  step: number,
  victim: Tracked | null,
): Promise<ProbeResult> {
  const G = sut.urls.length;
  const W = ctx.viewers.length;
  const senders: SocketGroup[] = [];
  const viewerGroups: SocketGroup[][] = Array.from({ length: W }, () => []);
  for (let i = 0; i < spec.rooms; i++) {
    const roomId = `${prefix}-${sut.name}-${i}`;
    senders.push({
      url: sut.urls[i % G],
      roomId,
      count: 1,
      measure: 1,
      role: 'sender',
      auth: sut.senderAuth(i),
    });
    for (let g = 0; g < G; g++) {
      viewerGroups[(i + g) % W].push({
        url: sut.urls[g],
        roomId,
        count: spec.viewersPerRoom / G,
        measure: spec.viewersPerRoom / G,
        role: 'viewer',
        auth: sut.viewerAuth,
      });
    }
  }
  const args = (groups: SocketGroup[]): ConnectArgs => ({
    groups,
    localAddresses: ctx.plan.localAddresses,
    concurrency: ctx.plan.connectConcurrency,
    timeoutMs: 20_000,
    join: true,
  });
  const all = [ctx.sender, ...ctx.viewers];
  try {
    await Promise.all([
      ctx.sender.connect(args(senders), 120_000),
      ...ctx.viewers.map((w, i) => w.connect(args(viewerGroups[i]), 120_000)),
    ]);
    if (victim) {
      victim.proc?.killNow();
      await sleep(500);
    }
    const sent = await ctx.sender.send({
      step,
      rate: spec.rate,
      durationMs: spec.durationMs,
      maxInflightPerSender: 500,
      ackTimeoutMs: ctx.plan.ackTimeoutMs,
    });
    // Each acknowledged danmaku comes from a sender on a surviving gateway: it is owed to the
    // room's viewers on the surviving gateways and to the sender itself (a member of the room).
    const perMessage = (spec.viewersPerRoom / G) * (victim ? G - 1 : G) + 1;
    const expected = sent.acked * perMessage;
    const drainStart = performance.now();
    let m = await mergedStats(all);
    let last = -1;
    let lastChange = drainStart;
    for (;;) {
      const got = m.itemsByStep.get(step) ?? 0;
      if (got !== last) [last, lastChange] = [got, performance.now()];
      if (got >= expected || performance.now() - lastChange > 1500 || performance.now() - drainStart > 5000)
        break;
      await sleep(200);
      m = await mergedStats(all);
    }
    m = await mergedStats(all, true);
    const received = m.itemsByStep.get(step) ?? 0;
    return {
      gateways: G,
      killed: victim?.name ?? null,
      acked: sent.acked,
      expected,
      received,
      reach: expected > 0 ? received / expected : 0,
      latency: (m.latencyByStep.get(step) ?? new Histogram()).summary(),
      disconnects: m.disconnects,
    };
  } finally {
    await teardown(ctx, sut);
  }
}
