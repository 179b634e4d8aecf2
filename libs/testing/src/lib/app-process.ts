import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { httpReady, startProcess, type ManagedProcess } from '@danmaku/process';
import { freePort } from './infra';

export type AppName = 'gateway' | 'auth' | 'moderation' | 'replay';

export interface RunningApp {
  name: string;
  url: string;
  port: number;
  /** Base URL of the app's metrics listener (`${metricsUrl}/metrics`), apart from the public port. */
  metricsUrl: string;
  process: ChildProcess;
  /** The process helper behind it (its tail, exit status, pid). */
  managed: ManagedProcess;
  /** The last lines the process printed (for assertions and failure messages). */
  output(): string;
  /** SIGTERM (or `signal`), then SIGKILL if it is still there after 10 s. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export const APP_PORT_VAR: Record<AppName, string> = {
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
 * Rejects with the exit code and last lines if it exits first ("auth exited with 1 during
 * start: …"), or kills it if it is not ready within `readyTimeoutMs`.
 */
export async function spawnApp(
  app: AppName,
  opts: {
    port: number;
    metricsPort?: number;
    env?: Record<string, string | undefined>;
    name?: string;
    readyTimeoutMs?: number;
    /** Another build's `dist` folder (default: this workspace's). */
    dist?: string;
    /** Flags for the app's Node (e.g. `--cpu-prof`). */
    nodeFlags?: string[];
    /** Each line it prints, as it comes (default: kept for `output()` only). */
    onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  },
): Promise<RunningApp> {
  const main = join(opts.dist ?? join(workspaceRoot(), 'dist'), 'apps', app, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx nx build ${app}\` first`);
  const metricsPort = opts.metricsPort ?? (await freePort());
  const name = opts.name ?? app;
  const managed = startProcess({
    name,
    script: main,
    nodeFlags: opts.nodeFlags,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...opts.env,
      [APP_PORT_VAR[app]]: String(opts.port),
      METRICS_PORT: String(metricsPort),
    },
    onLine: opts.onLine,
    tailLines: 2000,
  });
  const url = `http://127.0.0.1:${opts.port}`;
  await managed.waitReady(httpReady(`${url}/readyz`), { timeoutMs: opts.readyTimeoutMs ?? 60_000 });
  return {
    name,
    url,
    port: opts.port,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    process: managed.child,
    managed,
    output: () => managed.tail().join('\n'),
    stop: async (signal = 'SIGTERM') => {
      await managed.stop({ signal });
    },
  };
}
