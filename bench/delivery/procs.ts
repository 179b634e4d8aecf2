/**
 * Child processes of the benchmark (always killed at the end, also on Ctrl-C or a crash),
 * started and stopped through @danmaku/process, and CPU/RSS accounting of every process
 * that takes part, read from /proc.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type ManagedProcess } from '@danmaku/process';

export const ROOT = join(__dirname, '..', '..');
const TSX_CJS = require.resolve('tsx/cjs', { paths: [ROOT] });
const CLK_TCK = 100; // Linux USER_HZ; `getconf CLK_TCK` is 100 on every mainstream kernel

export type ProcGroup = 'ours' | 'baseline' | 'infra' | 'loadgen' | 'bench' | 'other';

/** Name of the pseudo-process "everything else on the machine" (busy CPU not used by any process above). */
export const OTHERS = 'others';
const MACHINE = '__machine';

export interface Tracked {
  name: string;
  pid: number;
  group: ProcGroup;
  /** Set for the children this benchmark started (its output tail, stop, exit). */
  proc?: ManagedProcess;
}

const tracked: Tracked[] = [];
const TAIL_LINES = 60;
/** Children of the running benchmark, so a run killed with SIGKILL is cleaned up by the next one. */
const RUN_FILE = join(ROOT, 'tmp', 'bench-delivery-run.json');

interface RunFile {
  ownerPid: number;
  namespace?: string;
  children: Array<{ pid: number; cmdline: string }>;
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

function recordRun(): void {
  const file: RunFile = {
    ownerPid: process.pid,
    namespace: process.env['DANMAKU_NAMESPACE'],
    children: tracked.flatMap((t) =>
      t.proc ? [{ pid: t.pid, cmdline: t.proc.child.spawnargs.join(' ') }] : [],
    ),
  };
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  writeFileSync(RUN_FILE, JSON.stringify(file));
}

/**
 * Kills what a previous run that died without cleaning up left behind (same pid and command
 * line only) and returns its namespace, for the caller to drop.
 */
export function reapStaleRun(say: (line: string) => void): string | undefined {
  let prev: RunFile;
  try {
    prev = JSON.parse(readFileSync(RUN_FILE, 'utf8')) as RunFile;
  } catch {
    return undefined;
  }
  if (prev.ownerPid !== process.pid && cmdlineOf(prev.ownerPid).includes('bench/delivery/run.ts')) {
    throw new Error(`another benchmark is running (pid ${prev.ownerPid}); stop it first`);
  }
  for (const c of prev.children) {
    if (c.cmdline && cmdlineOf(c.pid) === c.cmdline) {
      say(`stopping pid ${c.pid} left over by an earlier benchmark run (${c.cmdline.slice(0, 80)})`);
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
  rmSync(RUN_FILE, { force: true });
  return prev.namespace?.startsWith('bench-') ? prev.namespace : undefined;
}

export function forgetRun(): void {
  rmSync(RUN_FILE, { force: true });
}

export function trackedProcesses(): readonly Tracked[] {
  return tracked;
}

export function track(name: string, pid: number, group: ProcGroup): Tracked {
  const t: Tracked = { name, pid, group };
  tracked.push(t);
  return t;
}

export function untrack(name: string): void {
  const i = tracked.findIndex((t) => t.name === name);
  if (i >= 0) tracked.splice(i, 1);
}

function trackChild(name: string, group: ProcGroup, proc: ManagedProcess): Tracked {
  if (proc.pid === undefined) throw new Error(`${name}: could not start:\n${proc.tail().join('\n')}`);
  const t = track(name, proc.pid, group);
  t.proc = proc;
  recordRun();
  return t;
}

/** A node process running plain JavaScript (the built apps). */
export function spawnNode(
  name: string,
  group: ProcGroup,
  script: string,
  env: NodeJS.ProcessEnv,
  nodeFlags: string[] = [],
): Tracked {
  return trackChild(
    name,
    group,
    startProcess({ name, script, env, nodeFlags, cwd: ROOT, tailLines: TAIL_LINES }),
  );
}

/** A TypeScript module of the bench, forked with an IPC channel (and the tsx CJS hook). */
export function forkTs(
  name: string,
  group: ProcGroup,
  module: string,
  env: NodeJS.ProcessEnv,
  nodeFlags: string[] = [],
): Tracked {
  const proc = startProcess({
    name,
    script: join(__dirname, module),
    env,
    nodeFlags: [...nodeFlags, '--require', TSX_CJS],
    cwd: ROOT,
    ipc: true,
    tailLines: TAIL_LINES,
  });
  return trackChild(name, group, proc);
}

export function isRunning(t: Tracked): boolean {
  return t.proc?.running ?? false;
}

/** The last lines a child printed, for crash reports. */
export function tailOf(t: Tracked, lines = TAIL_LINES): string[] {
  return t.proc?.tail(lines) ?? [];
}

/** SIGTERM every child we started, SIGKILL whatever is left after the grace period. */
export async function stopAll(graceMs = 8000): Promise<void> {
  await Promise.all(tracked.filter(isRunning).map((t) => t.proc?.stop({ graceMs })));
}

/** Last resort (process 'exit' handler): synchronous SIGKILL of every child still alive. */
export function killAllNow(): void {
  for (const t of tracked) t.proc?.killNow();
}

// ---------------------------------------------------------------------------
// /proc accounting

export interface ProcSample {
  cpuSec: number;
  rssMb: number;
}

export function readProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSec = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return { cpuSec, rssMb: m ? Number(m[1]) / 1024 : 0 };
  } catch {
    return null;
  }
}

export type Snapshot = Map<string, ProcSample & { group: ProcGroup }>;

/** Busy CPU seconds of the whole machine (all cores), from the first line of /proc/stat. */
function machineBusySec(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = f[3] + f[4]; // idle + iowait
    return (total - idle) / CLK_TCK;
  } catch {
    return null;
  }
}

export function snapshot(): Snapshot {
  const out: Snapshot = new Map();
  for (const t of tracked) {
    const s = readProc(t.pid);
    if (s) out.set(t.name, { ...s, group: t.group });
  }
  const busy = machineBusySec();
  if (busy !== null) out.set(MACHINE, { cpuSec: busy, rssMb: 0, group: 'other' });
  return out;
}

export interface ProcUsage {
  name: string;
  group: ProcGroup;
  cpuSec: number;
  /** CPU seconds per wall second (1.0 = one core busy). */
  cpuShare: number;
  rssMb: number;
}

/**
 * CPU of every tracked process between two snapshots, plus OTHERS: the machine's busy CPU
 * that none of them used (other people's work on a shared machine, the kernel), which says
 * how far the figures can be trusted.
 */
export function usageBetween(a: Snapshot, b: Snapshot, wallMs: number): ProcUsage[] {
  const out: ProcUsage[] = [];
  for (const [name, end] of b) {
    const start = a.get(name);
    if (!start || name === MACHINE) continue;
    const cpuSec = end.cpuSec - start.cpuSec;
    out.push({
      name,
      group: end.group,
      cpuSec: round(cpuSec, 2),
      cpuShare: round(cpuSec / (wallMs / 1000), 3),
      rssMb: round(end.rssMb, 1),
    });
  }
  const m0 = a.get(MACHINE);
  const m1 = b.get(MACHINE);
  if (m0 && m1) {
    const cpuSec = Math.max(0, m1.cpuSec - m0.cpuSec - out.reduce((n, u) => n + u.cpuSec, 0));
    out.push({
      name: OTHERS,
      group: 'other',
      cpuSec: round(cpuSec, 2),
      cpuShare: round(cpuSec / (wallMs / 1000), 3),
      rssMb: 0,
    });
  }
  return out;
}

/** Pids whose command line matches, e.g. the Kafka JVM (`kafka.Kafka`) and `redis-server *:6379`. */
export function findPids(match: (cmdline: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (match(cmd)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
