#!/usr/bin/env node
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
import { join, relative } from 'node:path';

import { APPS, ROOT, UserError, isMain, localBin, logger, run, runCli } from '../infra/lib.mjs';
import { ensureDeps } from './ensure-deps.mjs';

/** The four apps plus the web app's static server. */
const SERVICES = { ...APPS, web: { port: 3004, portEnv: 'WEB_PORT' } };

async function main() {
  const [app, ...rest] = process.argv.slice(2);
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

  const mainJs = join(ROOT, 'dist', 'apps', app, app === 'web' ? 'main.mjs' : 'main.js');
  if (forceBuild || !existsSync(mainJs)) {
    await ensureDeps();
    const nx = localBin('nx');
    if (!nx)
      throw new UserError('nx is not installed (node_modules/.bin/nx missing)', { hint: 'Run `npm ci`.' });
    log.info(
      `${forceBuild ? 'building' : `${relative(ROOT, mainJs)} missing; building`}: nx run ${app}:build`,
    );
    const code = await run(nx, ['run', `${app}:build`, '--outputStyle=stream'], {
      env: { ...process.env, NX_TUI: 'false' },
    });
    if (code !== 0) throw new UserError(`build of ${app} failed (nx exited ${code})`);
    if (!existsSync(mainJs))
      throw new UserError(`build succeeded but ${relative(ROOT, mainJs)} does not exist`);
  }

  const { portEnv, port } = SERVICES[app];
  log.info(
    `node ${relative(ROOT, mainJs)}  (${portEnv}=${process.env[portEnv] || `unset, app default ${port}`})`,
  );
  // Own process group: a terminal Ctrl-C reaches only this script, which sends the
  // app exactly one SIGTERM (a second signal from NestJS' hooks would skip graceful close).
  const child = spawn(process.execPath, [mainJs, ...appArgs], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  // A repeat within 1.5s is the same Ctrl-C delivered twice (e.g. via npm), not "force".
  let signals = 0;
  let firstSignalAt = 0;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      if (firstSignalAt && Date.now() - firstSignalAt < 1500) return;
      firstSignalAt ||= Date.now();
      signals++;
      try {
        process.kill(-child.pid, signals > 1 ? 'SIGKILL' : 'SIGTERM');
      } catch {
        /* gone */
      }
    });
  }
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
  return new Promise((resolvePromise, reject) => {
    child.on('error', (e) => reject(new UserError(`could not start ${app}: ${e.message}`)));
    child.on('exit', (code, signal) => {
      if (signals === 0 && code !== 0)
        log.error(`exited with ${signal ? `signal ${signal}` : `code ${code}`}`);
      resolvePromise(code ?? (signals > 0 ? 0 : 1));
    });
  });
}

if (isMain(import.meta.url)) runCli('start-app', main);
