import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readiness } from './readiness';

export type OutputStream = 'stdout' | 'stderr';

export interface StartProcessOptions {
  /** Shown in errors and output prefixes (`gateway-2`). */
  name: string;
  /** The script this Node runs (a built app's `dist/apps/<app>/main.js`). */
  script: string;
  args?: string[];
  /** Flags for the child's Node (`--cpu-prof`, `--require tsx/cjs`). */
  nodeFlags?: string[];
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** An IPC channel (`child.send` / `'message'`), as `child_process.fork` opens. */
  ipc?: boolean;
  /**
   * Its own process group: a terminal's Ctrl-C reaches only the parent, and `stop()` signals
   * the whole group (the app and anything it started).
   */
  detached?: boolean;
  /** Every line the child prints, as it comes (e.g. `prefixedOutput(…)`); always kept in the tail. */
  onLine?: (line: string, stream: OutputStream) => void;
  /** Called once when the child exits without `stop()` having been asked, or cannot start. */
  onUnexpectedExit?: (error: ProcessExitError) => void;
  /** Lines kept for error reports (default 200). */
  tailLines?: number;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type StopResult = 'not-running' | 'terminated' | 'killed';

/** A child ended (or never started): its name, how it ended and the last lines it printed. */
export class ProcessExitError extends Error {
  constructor(
    readonly processName: string,
    readonly exit: ProcessExit,
    readonly lastLines: readonly string[],
    /** Where it happened, e.g. `during start`. */
    context?: string,
  ) {
    const how = exit.signal ? `signal ${exit.signal}` : `${exit.code}`;
    super(`${processName} exited with ${how}${context ? ` ${context}` : ''}:\n${lastLines.join('\n')}`);
    this.name = 'ProcessExitError';
  }
}

/** A child that did not become ready in time (it is killed). */
export class ProcessNotReadyError extends Error {
  constructor(
    readonly processName: string,
    timeoutMs: number,
    readonly lastLines: readonly string[],
  ) {
    super(`${processName} not ready after ${timeoutMs} ms:\n${lastLines.join('\n')}`);
    this.name = 'ProcessNotReadyError';
  }
}

/**
 * A Node child process with its output in lines, readiness, a bounded stop and an error that
 * says how it ended. One helper for `npm start`, the benchmarks and the tests.
 *
 * @example
 * const gw = startProcess({ name: 'gateway', script: 'dist/apps/gateway/main.js', env });
 * await gw.waitReady(httpReady('http://127.0.0.1:3000/readyz'), { timeoutMs: 60_000 });
 * await gw.stop(); // SIGTERM, SIGKILL after 10 s
 */
export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the child has exited (also when it could not start). */
  readonly exited: Promise<ProcessExit>;
  private readonly lines: string[] = [];
  private readonly tailLimit: number;
  private readonly listeners = new Set<(line: string, stream: OutputStream) => void>();
  private readonly group: boolean;
  private exit: ProcessExit | null = null;
  private stopRequested = false;

  constructor(opts: StartProcessOptions) {
    this.name = opts.name;
    this.tailLimit = opts.tailLines ?? 200;
    this.group = opts.detached ?? false;
    const common = { cwd: opts.cwd, env: opts.env ?? process.env, detached: this.group };
    this.child = opts.ipc
      ? fork(opts.script, opts.args ?? [], {
          ...common,
          execArgv: opts.nodeFlags ?? [],
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        })
      : spawn(process.execPath, [...(opts.nodeFlags ?? []), opts.script, ...(opts.args ?? [])], {
          ...common,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
    if (opts.onLine) this.listeners.add(opts.onLine);
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = this.child[stream];
      if (!input) continue;
      createInterface({ input, crlfDelay: Infinity }).on('line', (line) => this.record(line, stream));
    }
    this.exited = new Promise((resolve) => {
      let settled = false;
      const settle = () => {
        if (settled || !this.exit) return;
        settled = true;
        resolve(this.exit);
        if (!this.stopRequested) opts.onUnexpectedExit?.(this.exitError());
      };
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        // 'close' follows once its output is read to the end (the last lines belong in the
        // report); a grandchild holding the pipes open must not delay it for long.
        setTimeout(settle, 500).unref();
      });
      this.child.once('close', settle);
      // Could not spawn (e.g. ENOENT): no 'exit' follows.
      this.child.once('error', (e) => {
        if (this.child.pid !== undefined) return;
        this.record(`could not start: ${e.message}`, 'stderr');
        this.exit = { code: null, signal: null };
        settle();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Still running: started and not exited. */
  get running(): boolean {
    return this.exit === null && this.child.pid !== undefined;
  }

  /** How it ended, or null while it runs. */
  get exitStatus(): ProcessExit | null {
    return this.exit;
  }

  /** The last lines it printed (stdout and stderr, in arrival order). */
  tail(n = this.tailLimit): string[] {
    return this.lines.slice(-n);
  }

  /** Subscribes to its output lines; returns the unsubscribe function. */
  onLine(listener: (line: string, stream: OutputStream) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The error that describes how it ended (or that it runs still), with its last lines. */
  exitError(context?: string, lines = 40): ProcessExitError {
    return new ProcessExitError(
      this.name,
      this.exit ?? { code: null, signal: null },
      this.tail(lines),
      context,
    );
  }

  /**
   * Polls `readiness` until it holds. Rejects with a ProcessExitError ("auth exited with 1 during start: …") if
   * the child ends first, or a ProcessNotReadyError after `timeoutMs` (the child is killed then).
   */
  async waitReady(
    readiness: Readiness,
    { timeoutMs = 60_000, intervalMs = 150 }: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<void> {
    const isReady = readiness(this);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await isReady()) return;
      if (!this.running) {
        await this.exited;
        throw this.exitError('during start');
      }
      if (Date.now() > deadline) {
        await this.stop({ signal: 'SIGKILL' });
        throw new ProcessNotReadyError(this.name, timeoutMs, this.tail(40));
      }
      await Promise.race([new Promise((r) => setTimeout(r, intervalMs)), this.exited]);
    }
  }

  /**
   * Sends `signal` (SIGTERM: NestJS shuts down gracefully on it), then SIGKILL if the child is
   * still there after `graceMs`. Resolves once it has exited.
   */
  async stop({
    signal = 'SIGTERM',
    graceMs = 10_000,
  }: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<StopResult> {
    this.stopRequested = true;
    if (!this.running) return 'not-running';
    this.signal(signal);
    if (signal === 'SIGKILL') {
      await this.exited;
      return 'killed';
    }
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<StopResult>((resolve) => {
      timer = setTimeout(() => {
        this.signal('SIGKILL');
        resolve('killed');
      }, graceMs);
    });
    const result = await Promise.race([this.exited.then((): StopResult => 'terminated'), killed]);
    clearTimeout(timer);
    await this.exited;
    return result;
  }

  /** Synchronous SIGKILL (for a `process.on('exit')` handler, where nothing async runs). */
  killNow(): void {
    this.stopRequested = true;
    if (this.running) this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      if (this.group && this.child.pid !== undefined) process.kill(-this.child.pid, signal);
      else this.child.kill(signal);
    } catch {
      // exited meanwhile
    }
  }

  private record(line: string, stream: OutputStream): void {
    this.lines.push(line);
    if (this.lines.length > this.tailLimit * 2) this.lines.splice(0, this.lines.length - this.tailLimit);
    for (const listener of this.listeners) listener(line, stream);
  }
}

/** Starts a Node child (see ManagedProcess). */
export function startProcess(opts: StartProcessOptions): ManagedProcess {
  return new ManagedProcess(opts);
}
