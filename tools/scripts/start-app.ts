// npm run start:<app> — run ONE instance of an app from its built output.
//
//   node tools/scripts/start-app.mjs <gateway|auth|moderation|replay|web> [--build] [-- app args…]
//
// Builds it first when dist/apps/<app>/main.js (web: main.mjs) is missing (or with --build).
// The environment is passed through unchanged (so two instances can be started
// with different ports, e.g. GATEWAY_PORT=3010 npm run start:gateway). Kafka and
// Redis are NOT started here: run `npm run infra:up` (or `npm start`) first.
// Ctrl-C / SIGTERM are forwarded to the app once as SIGTERM; a second one kills it.
// The app writes to this terminal itself: pretty lines on a terminal, JSON lines when piped or
// with NODE_ENV=production (LOG_FORMAT overrides; see docs/configuration.md).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { onStopSignals, withHeapPolicy } from '@danmaku/process';
import { ROOT, UserError, logger, runCli } from '../infra/cli';
import { localBin, run } from '../infra/processes';
import { APPS, WEB, mainFile, type AppPort } from './apps';

/** The four apps plus the web app's server. */
const SERVICES: Record<string, AppPort> = { ...APPS, web: WEB };

async function main([app, ...rest]: string[]): Promise<number> {
  const log = logger(app && SERVICES[app] ? app : 'start-app');
  if (!app || !SERVICES[app]) {
    throw new UserError(
      `usage: node tools/scripts/start-app.mjs <${Object.keys(SERVICES).join('|')}> [--build] [-- args]` +
        (app ? `  (unknown app "${app}")` : ''),
    );
  }
  const forceBuild = rest[0] === '--build';
  const appArgs = rest.slice(forceBuild ? 1 : 0);
  if (appArgs[0] === '--') appArgs.shift();

  const main = mainFile(app);
  if (forceBuild || !existsSync(join(ROOT, main))) {
    log.info(`${forceBuild ? 'building' : `${main} missing; building`}: nx run ${app}:build`);
    const code = await run(localBin('nx'), ['run', `${app}:build`, '--outputStyle=stream'], {
      env: { ...process.env, NX_TUI: 'false' },
    });
    if (code !== 0) throw new UserError(`build of ${app} failed (nx exited ${code})`);
    if (!existsSync(join(ROOT, main))) throw new UserError(`build succeeded but ${main} does not exist`);
  }

  const { portEnv, port } = SERVICES[app];
  log.info(`node ${main}  (${portEnv}=${process.env[portEnv] || `unset, app default ${port}`})`);
  // Own process group: a terminal Ctrl-C reaches only this script, which sends the app exactly
  // one SIGTERM (a second signal from NestJS' hooks would skip graceful close). The app keeps
  // our terminal as its stdout, so it picks its log format itself.
  const child = spawn(process.execPath, [join(ROOT, main), ...appArgs], {
    cwd: ROOT,
    env: withHeapPolicy(app, process.env),
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // gone
    }
  };
  // Ctrl-C stops the app gracefully (SIGTERM to its group), Ctrl-C again kills it.
  let signalled = false;
  onStopSignals({
    stop: () => {
      signalled = true;
      signalGroup('SIGTERM');
    },
    kill: () => signalGroup('SIGKILL'),
  });
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) signalGroup('SIGKILL');
  });
  return new Promise((resolvePromise, reject) => {
    child.on('error', (e) => reject(new UserError(`could not start ${app}: ${e.message}`)));
    child.on('exit', (code, signal) => {
      if (!signalled && code !== 0) log.error(`exited with ${signal ? `signal ${signal}` : `code ${code}`}`);
      resolvePromise(code ?? (signalled ? 0 : 1));
    });
  });
}

export function cli(argv: string[]): Promise<void> {
  return runCli('start-app', () => main(argv));
}
