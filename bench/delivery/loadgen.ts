/**
 * A load-generator process (forked by run.ts, driven over IPC). It holds many sockets
 * (viewers, and optionally senders that are viewers too), counts every delivered danmaku,
 * and records send → receipt latency on a sample of its sockets.
 *
 * Every danmaku the bench sends has the text `~<step>~<sendTimeMs>` where sendTimeMs is
 * `performance.timeOrigin + performance.now()` in the sending process: one clock shared
 * by every process on this machine. Counting scans the raw frame for `"text":"~`, so a
 * merged batch of 50 items costs one pass over its bytes and no JSON parse.
 */
import { performance } from 'node:perf_hooks';
import { Histogram, type LatencySummary, type SparseCounts } from './histogram';
import { LiteClient } from './lite-client';

export interface SocketGroup {
  url: string;
  roomId: string;
  count: number;
  /** How many of these sockets record latency (the first n). */
  measure: number;
  role: 'viewer' | 'sender';
  auth: Record<string, unknown>;
}

export interface ConnectArgs {
  groups: SocketGroup[];
  localAddresses: string[];
  concurrency: number;
  timeoutMs: number;
  join: boolean;
}

export interface ConnectResult {
  attempted: number;
  connected: number;
  joined: number;
  errors: Record<string, number>;
  /** Sockets connected (and joined, when asked) per server URL. */
  okByUrl: Record<string, number>;
  elapsedMs: number;
}

export interface SendArgs {
  step: number;
  rate: number;
  durationMs: number;
  maxInflightPerSender: number;
  ackTimeoutMs: number;
}

export interface SendResult {
  step: number;
  attempted: number;
  acked: number;
  ackErrors: Record<string, number>;
  /** Not sent because every sender had maxInflight unanswered sends. */
  skippedBackpressure: number;
  /** Not sent because the timer fell more than a second behind schedule. */
  skippedLate: number;
  elapsedMs: number;
  ackLatency: LatencySummary;
}

export interface WorkerStats {
  sockets: number;
  connected: number;
  frames: number;
  items: number;
  rejections: number;
  disconnects: number;
  itemsByStep: Record<number, number>;
  sending: { step: number; attempted: number; acked: number } | null;
  latency?: Record<number, { counts: SparseCounts; max: number }>;
}

interface Held {
  client: LiteClient;
  roomId: string;
  role: 'viewer' | 'sender';
}

const MARK = Buffer.from('"text":"~');
const REJECTED = Buffer.from('danmaku:rejected');
const TILDE = 0x7e;
const DOT = 0x2e;
const D0 = 0x30;
const D9 = 0x39;

const held: Held[] = [];
const itemsByStep = new Map<number, number>();
const latencyByStep = new Map<number, Histogram>();
let frames = 0;
let items = 0;
let rejections = 0;
let disconnects = 0;
let sending: WorkerStats['sending'] = null;
let addressCursor = Number(process.env['LOADGEN_INDEX'] ?? 0);

function histogramOf(step: number): Histogram {
  let h = latencyByStep.get(step);
  if (!h) latencyByStep.set(step, (h = new Histogram()));
  return h;
}

/** Counts (and for measured sockets, times) every bench danmaku in one event frame. */
function onFrame(frame: Buffer, measure: boolean): void {
  frames++;
  let i = frame.indexOf(MARK, 2);
  if (i === -1) {
    if (frame.indexOf(REJECTED, 2) !== -1) rejections++;
    return;
  }
  const now = measure ? performance.timeOrigin + performance.now() : 0;
  const end = frame.length;
  while (i !== -1) {
    let j = i + MARK.length;
    let step = 0;
    let c = frame[j];
    while (j < end && c >= D0 && c <= D9) {
      step = step * 10 + (c - D0);
      c = frame[++j];
    }
    if (c !== TILDE) {
      i = frame.indexOf(MARK, j);
      continue; // not ours
    }
    j++;
    if (measure) {
      let ts = 0;
      c = frame[j];
      while (j < end && c >= D0 && c <= D9) {
        ts = ts * 10 + (c - D0);
        c = frame[++j];
      }
      if (c === DOT) {
        let scale = 0.1;
        c = frame[++j];
        while (j < end && c >= D0 && c <= D9) {
          ts += (c - D0) * scale;
          scale /= 10;
          c = frame[++j];
        }
      }
      histogramOf(step).record(now - ts);
    }
    itemsByStep.set(step, (itemsByStep.get(step) ?? 0) + 1);
    items++;
    i = frame.indexOf(MARK, j);
  }
}

async function connectOne(group: SocketGroup, measure: boolean, args: ConnectArgs): Promise<'ok' | string> {
  const localAddress = args.localAddresses.length
    ? args.localAddresses[addressCursor++ % args.localAddresses.length]
    : undefined;
  let client: LiteClient;
  try {
    client = await LiteClient.connect({
      url: group.url,
      localAddress,
      auth: group.auth,
      timeoutMs: args.timeoutMs,
    });
  } catch (e) {
    return `connect: ${(e as Error).message}`;
  }
  client.onFrame = (frame) => onFrame(frame, measure);
  client.onClose = (reason) => {
    if (reason !== 'closed by client') disconnects++;
  };
  held.push({ client, roomId: group.roomId, role: group.role });
  if (!args.join) return 'ok';
  try {
    const ack = (await client.emitWithAck('room:join', { roomId: group.roomId }, args.timeoutMs)) as {
      ok?: boolean;
      error?: { code?: string };
    };
    return ack?.ok ? 'ok' : `join: ${ack?.error?.code ?? 'refused'}`;
  } catch (e) {
    return `join: ${(e as Error).message}`;
  }
}

async function connect(args: ConnectArgs): Promise<ConnectResult> {
  const t0 = performance.now();
  const jobs: Array<{ group: SocketGroup; measure: boolean }> = [];
  for (const group of args.groups) {
    for (let i = 0; i < group.count; i++) jobs.push({ group, measure: i < group.measure });
  }
  const errors: Record<string, number> = {};
  const okByUrl: Record<string, number> = {};
  let connected = 0;
  let joined = 0;
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const before = held.length;
      const r = await connectOne(job.group, job.measure, args);
      if (held.length > before) connected++;
      if (r === 'ok') {
        if (args.join) joined++;
        okByUrl[job.group.url] = (okByUrl[job.group.url] ?? 0) + 1;
      } else errors[r] = (errors[r] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(args.concurrency, jobs.length)) }, lane));
  return { attempted: jobs.length, connected, joined, errors, okByUrl, elapsedMs: performance.now() - t0 };
}

async function send(args: SendArgs): Promise<SendResult> {
  const senders = held.filter((h) => h.role === 'sender' && h.client.connected);
  if (senders.length === 0) throw new Error('no connected senders');
  const ackErrors: Record<string, number> = {};
  const ackLatency = new Histogram();
  const state = { step: args.step, attempted: 0, acked: 0 };
  sending = state;
  let skippedBackpressure = 0;
  let skippedLate = 0;
  let cursor = 0;
  const pending = new Set<Promise<void>>();
  const start = performance.now();

  const sendOne = (): boolean => {
    for (let tries = 0; tries < senders.length; tries++) {
      const s = senders[cursor++ % senders.length];
      if (!s.client.connected || s.client.inflight >= args.maxInflightPerSender) continue;
      const sentAt = performance.timeOrigin + performance.now();
      const p = s.client
        .emitWithAck(
          'danmaku:send',
          { roomId: s.roomId, text: `~${args.step}~${sentAt.toFixed(2)}` },
          args.ackTimeoutMs,
        )
        .then(
          (ack) => {
            const a = ack as { ok?: boolean; error?: { code?: string } };
            if (a?.ok) {
              state.acked++;
              ackLatency.record(performance.timeOrigin + performance.now() - sentAt);
            } else {
              const code = a?.error?.code ?? 'UNKNOWN';
              ackErrors[code] = (ackErrors[code] ?? 0) + 1;
            }
          },
          (e: Error) => {
            ackErrors[e.message] = (ackErrors[e.message] ?? 0) + 1;
          },
        )
        .finally(() => pending.delete(p));
      pending.add(p);
      return true;
    }
    return false;
  };

  await new Promise<void>((resolve) => {
    // Timer-driven with catch-up: each tick sends whatever the schedule says is due by now,
    // so a late tick sends a small burst instead of lowering the rate. More than a second
    // behind means the generator is saturated: that backlog is dropped and counted.
    const tick = () => {
      const elapsed = Math.min(performance.now() - start, args.durationMs);
      let due =
        Math.floor((elapsed * args.rate) / 1000) - state.attempted - skippedBackpressure - skippedLate;
      if (due > args.rate) {
        skippedLate += due - args.rate;
        due = args.rate;
      }
      for (let k = 0; k < due; k++) {
        if (sendOne()) state.attempted++;
        else skippedBackpressure++;
      }
      if (performance.now() - start >= args.durationMs) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 2);
    tick();
  });
  const elapsedMs = performance.now() - start;
  await Promise.race([
    Promise.allSettled([...pending]),
    new Promise((r) => setTimeout(r, args.ackTimeoutMs + 1000)),
  ]);
  sending = null;
  return {
    step: args.step,
    attempted: state.attempted,
    acked: state.acked,
    ackErrors,
    skippedBackpressure,
    skippedLate,
    elapsedMs,
    ackLatency: ackLatency.summary(),
  };
}

function stats(withLatency: boolean): WorkerStats {
  const out: WorkerStats = {
    sockets: held.length,
    connected: held.reduce((n, h) => n + (h.client.connected ? 1 : 0), 0),
    frames,
    items,
    rejections,
    disconnects,
    itemsByStep: Object.fromEntries(itemsByStep),
    sending: sending ? { ...sending } : null,
  };
  if (withLatency) {
    out.latency = {};
    for (const [step, h] of latencyByStep) out.latency[step] = h.toSparse();
  }
  return out;
}

function closeAll(): number {
  const n = held.length;
  for (const h of held) h.client.close();
  held.length = 0;
  return n;
}

type Request =
  | { id: number; cmd: 'connect'; args: ConnectArgs }
  | { id: number; cmd: 'send'; args: SendArgs }
  | { id: number; cmd: 'stats'; args: { latency: boolean } }
  | { id: number; cmd: 'reset' }
  | { id: number; cmd: 'closeAll' };

async function handle(req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'connect':
      return connect(req.args);
    case 'send':
      return send(req.args);
    case 'stats':
      return stats(req.args.latency);
    case 'reset':
      itemsByStep.clear();
      latencyByStep.clear();
      frames = items = rejections = disconnects = 0;
      return true;
    case 'closeAll':
      return closeAll();
  }
}

process.on('message', (req: Request) => {
  handle(req).then(
    (result) => process.send?.({ id: req.id, result }),
    (e: unknown) => process.send?.({ id: req.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
// Never outlive the orchestrator.
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => undefined); // the orchestrator decides when we stop (Ctrl-C reaches the whole group)
process.send?.({ type: 'ready' });
