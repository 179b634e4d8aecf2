import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './eventually';
import { freePort } from './infra';

export type AppName = 'gateway' | 'auth' | 'moderation' | 'replay';

export interface RunningApp {
  name: string;
  url: string;
  port: number;
  /** Base URL of the app's metrics listener (`${metricsUrl}/metrics`), apart from the public port. */
  metricsUrl: string;
  process: ChildProcess;
  /** Everything the process printed so far (for assertions and failure messages). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const PORT_VAR: Record<AppName, string> = {
  gateway: 'GATEWAY_PORT',
  auth: 'AUTH_PORT',
  moderation: 'MODERATION_PORT',
  replay: 'REPLAY_PORT',
};

export function workspaceRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = join(dir, '..');
    if (up === dir) throw new Error('nx.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}

/**
 * Spawns a built app (`dist/apps/<app>/main.js`, from `nx build <app>`) on a port (its
 * metrics on `metricsPort`, else a free one) and waits until its `/readyz` answers 200.
 */
export async function spawnApp(
  app: AppName,
  opts: {
    port: number;
    metricsPort?: number;
    env?: Record<string, string>;
    name?: string;
    readyTimeoutMs?: number;
  },
): Promise<RunningApp> {
  const main = join(workspaceRoot(), 'dist', 'apps', app, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx nx build ${app}\` first`);
  const metricsPort = opts.metricsPort ?? (await freePort());
  let out = '';
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...opts.env,
      [PORT_VAR[app]]: String(opts.port),
      METRICS_PORT: String(metricsPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (out += d.toString()));
  child.stderr?.on('data', (d) => (out += d.toString()));
  const url = `http://127.0.0.1:${opts.port}`;
  const running: RunningApp = {
    name: opts.name ?? app,
    url,
    port: opts.port,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    process: child,
    output: () => out,
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${running.name} exited with ${child.exitCode}:\n${out.slice(-4000)}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return running;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await running.stop('SIGKILL');
      throw new Error(
        `${running.name} not ready after ${opts.readyTimeoutMs ?? 60_000} ms:\n${out.slice(-4000)}`,
      );
    }
    await sleep(150);
  }
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
