// Processes and ports of this machine: pidfiles, stopping a pid, running a command, a
// cross-process lock, TCP probes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { constants } from 'node:os';

import { ROOT, UserError, sleep } from './cli';

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** Is `pid` a live process (zombies count as dead)? */
export function isAlive(pid: number | null | undefined): pid is number {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return errCode(e) === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    // no /proc (macOS): trust kill(0)
  }
  return true;
}

/** Command line of `pid` as one string ('' if unknown). */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    const r = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return (r.stdout || '').trim();
  }
}

export function readPidFile(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export type TerminateResult = 'not-running' | 'terminated' | 'killed';

/** SIGTERM `pid` (or its process group), wait up to `timeoutMs`, then SIGKILL. */
export async function terminate(
  pid: number,
  {
    timeoutMs = 15000,
    group = false,
    onWait,
  }: { timeoutMs?: number; group?: boolean; onWait?: () => void } = {},
): Promise<TerminateResult> {
  if (!isAlive(pid)) return 'not-running';
  const send = (sig: NodeJS.Signals) => {
    // The group first; the pid itself when it leads none (or is gone).
    for (const target of group ? [-pid, pid] : [pid]) {
      try {
        return void process.kill(target, sig);
      } catch {
        // next target
      }
    }
  };
  send('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  let lastTick = Date.now();
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'terminated';
    await sleep(100);
    if (onWait && Date.now() - lastTick >= 1000) {
      lastTick = Date.now();
      onWait();
    }
  }
  send('SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  return 'killed';
}

/** `cmd args` output (stdout + stderr), or null when `cmd` is not on PATH. */
export function probeCommand(cmd: string, args = ['--version']): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20000 });
  if (r.error) return null;
  return `${r.stdout || ''}${r.stderr || ''}`.trim();
}

/**
 * Runs a command with inherited stdio; resolves with its exit code (rejects only when it cannot
 * be spawned). SIGINT/SIGTERM that reach this process meanwhile are passed on to it.
 */
export function run(cmd: string, args: string[], { env = process.env } = {}): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const cleanup = () => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    };
    child.on('error', (e) => {
      cleanup();
      reject(e);
    });
    child.on('exit', (code, signal) => {
      cleanup();
      resolvePromise(code ?? (signal ? 128 + constants.signals[signal] : 1));
    });
  });
}

/** A binary of node_modules/.bin; throws when it is not installed. */
export function localBin(name: string): string {
  const p = join(ROOT, 'node_modules', '.bin', name);
  if (!existsSync(p))
    throw new UserError(`${name} is not installed (node_modules/.bin/${name} missing)`, {
      hint: 'Run `npm ci`.',
    });
  return p;
}

/** The last `n` lines of a text file, for error hints. */
export function tailFile(file: string, n = 30): string {
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    return (
      lines
        .slice(-n - 1)
        .join('\n')
        .trimEnd() || '(empty so far)'
    );
  } catch {
    return '(no such file)';
  }
}

/**
 * Cross-process lock (mkdir is atomic); a lock held by a dead pid is broken.
 * `onWait(holderPid)` is called once if we have to wait.
 */
export async function withDirLock<T>(
  dir: string,
  fn: () => Promise<T>,
  { timeoutMs = 600000, onWait }: { timeoutMs?: number; onWait?: (pid: number | null) => void } = {},
): Promise<T> {
  mkdirSync(dirname(dir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (errCode(e) !== 'EEXIST') throw e;
      const holder = readPidFile(join(dir, 'pid'));
      let age: number;
      try {
        age = Date.now() - statSync(dir).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if ((holder && !isAlive(holder)) || (!holder && age > 5000)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!announced) onWait?.(holder);
      announced = true;
      if (Date.now() > deadline)
        throw new UserError(`timed out waiting for lock ${dir} (held by pid ${holder})`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Is something accepting TCP connections on host:port? */
export function isPortOpen(host: string, port: number, timeoutMs = 700): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const sock = net.connect({ host, port });
    const done = (open: boolean) => {
      sock.destroy();
      resolvePromise(open);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}
