/**
 * The orchestrator's side of the load-generator processes: fork them, call them over IPC
 * with a timeout on every call, merge their statistics.
 */
import type { ChildProcess } from 'node:child_process';
import { Histogram } from './histogram';
import type { ConnectArgs, ConnectResult, SendArgs, SendResult, WorkerStats } from './loadgen';
import { messageReady } from '@danmaku/process';
import { forkTs, isRunning, type Tracked } from './procs';

type Reply = { id: number; result?: unknown; error?: string } | { type: 'ready' };

export class Worker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(readonly proc: Tracked) {
    const child = proc.proc?.child as ChildProcess;
    child.on('message', (msg: Reply) => {
      if (!('id' in msg)) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(`${proc.name}: ${msg.error}`));
      else p.resolve(msg.result);
    });
    child.on('exit', (code, signal) => {
      for (const [, p] of this.pending) p.reject(new Error(`${proc.name} exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  static async start(name: string, index: number): Promise<Worker> {
    const proc = forkTs(name, 'loadgen', 'loadgen.ts', { ...process.env, LOADGEN_INDEX: String(index) });
    // loadgen.ts sends `{ type: 'ready' }` once it is listening for commands.
    await proc.proc?.waitReady(messageReady(), { timeoutMs: 30_000, intervalMs: 50 });
    return new Worker(proc);
  }

  call<T>(cmd: string, args: unknown, timeoutMs: number): Promise<T> {
    if (!isRunning(this.proc)) return Promise.reject(new Error(`${this.proc.name} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.proc.name}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.proc?.child.send({ id, cmd, args });
    });
  }

  connect(args: ConnectArgs, timeoutMs: number): Promise<ConnectResult> {
    return this.call('connect', args, timeoutMs);
  }
  send(args: SendArgs): Promise<SendResult> {
    return this.call('send', args, args.durationMs + args.ackTimeoutMs + 15_000);
  }
  stats(latency = false): Promise<WorkerStats> {
    return this.call('stats', { latency }, 15_000);
  }
  reset(): Promise<void> {
    return this.call('reset', {}, 10_000);
  }
  closeAll(): Promise<number> {
    return this.call('closeAll', {}, 30_000);
  }
}

export interface MergedStats {
  sockets: number;
  connected: number;
  frames: number;
  items: number;
  rejections: number;
  disconnects: number;
  itemsByStep: Map<number, number>;
  latencyByStep: Map<number, Histogram>;
  sending: { attempted: number; acked: number } | null;
}

export async function mergedStats(workers: Worker[], latency = false): Promise<MergedStats> {
  const all = await Promise.all(workers.map((w) => w.stats(latency)));
  const out: MergedStats = {
    sockets: 0,
    connected: 0,
    frames: 0,
    items: 0,
    rejections: 0,
    disconnects: 0,
    itemsByStep: new Map(),
    latencyByStep: new Map(),
    sending: null,
  };
  for (const s of all) {
    out.sockets += s.sockets;
    out.connected += s.connected;
    out.frames += s.frames;
    out.items += s.items;
    out.rejections += s.rejections;
    out.disconnects += s.disconnects;
    for (const [step, n] of Object.entries(s.itemsByStep)) {
      out.itemsByStep.set(Number(step), (out.itemsByStep.get(Number(step)) ?? 0) + n);
    }
    for (const [step, sparse] of Object.entries(s.latency ?? {})) {
      const h = out.latencyByStep.get(Number(step)) ?? new Histogram();
      out.latencyByStep.set(Number(step), h.merge(sparse));
    }
    if (s.sending) {
      out.sending ??= { attempted: 0, acked: 0 };
      out.sending.attempted += s.sending.attempted;
      out.sending.acked += s.sending.acked;
    }
  }
  return out;
}
