#!/usr/bin/env node
// npm start — everything needed to use the platform locally, in one command:
//   1. npm ci if node_modules is missing/stale      (tools/scripts/ensure-deps.mjs)
//   2. Kafka + Redis + topics                       (tools/infra/up.mjs)
//   3. nx build of gateway, auth, moderation, replay and web
//   4. run the four apps (moderation twice: a second instance on MODERATION_2_PORT takes
//      over a dead one's rooms within ~2 s) and the web app's server from dist/, output
//      prefixed with the app name, wait until every GET /readyz answers 200, print the URLs.
// Ctrl-C stops the apps (SIGTERM, then SIGKILL after a grace period); Kafka and
// Redis keep running (npm run infra:down stops them).
//
// Env: GATEWAY_PORT AUTH_PORT MODERATION_PORT REPLAY_PORT WEB_PORT (3000-3004),
//      MODERATION_2_PORT (3012), KAFKA_BROKERS,
//      REDIS_URL, ADMIN_USERNAME/ADMIN_PASSWORD (defaults admin/admin-password),
//      REDIS_ACL=1 (Redis with one ACL user per app, each app connecting as its own:
//      tools/infra/redis.mjs, docs/security.md),
//      START_READY_TIMEOUT_MS (120000), START_STOP_TIMEOUT_MS (10000).
//      Everything else is passed through to the apps unchanged (docs/configuration.md).
// Logs: on a terminal the apps print one pretty line per event (LOG_FORMAT=pretty, coloured
// unless NO_COLOR), each prefixed with the app's name; piped or with NODE_ENV=production
// they stay JSON lines. An explicit LOG_FORMAT wins; LOG_LEVEL reaches every app.
// Flags: --no-build (run what is already in dist/apps; quick restart).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import {
  APPS,
  ROOT,
  UserError,
  c,
  cmdlineOf,
  fmtSecs,
  isAlive,
  isMain,
  localBin,
  logger,
  paths,
  run,
  runCli,
  sleep,
  terminate,
} from '../infra/lib.mjs';
import { redisAclEnabled, redisAclUrls } from '../infra/redis.mjs';
import { infraUp, isPortOpen, redactUrl } from '../infra/up.mjs';
import { ensureDeps } from './ensure-deps.mjs';

const log = logger('start');
/**
 * The four apps, a second moderation instance (the two share the `moderation.decide` group's
 * partitions: when one dies, its rooms move to the other within ~2 s) and the web app (pages
 * for browsers; its server is dist/apps/web/main.mjs).
 */
const SERVICES = {
  ...APPS,
  'moderation-2': { app: 'moderation', port: 3012, portEnv: 'MODERATION_2_PORT' },
  web: { port: 3004, portEnv: 'WEB_PORT' },
};
const APP_NAMES = Object.keys(SERVICES);
const APP_COLORS = { gateway: c.magenta, auth: c.blue, moderation: c.yellow, replay: c.green, web: c.cyan };
/** The app a service runs (a second instance runs the same build). */
const appOf = (name) => SERVICES[name]?.app ?? name;
/** The built entry point of a service's app. */
const mainFile = (name) => join('dist', 'apps', appOf(name), appOf(name) === 'web' ? 'main.mjs' : 'main.js');
/** A second instance listens on its own port (its metrics port follows: + 6000). */
const serviceEnv = (name, env) =>
  SERVICES[name]?.app ? { ...env, [APPS[appOf(name)].portEnv]: env[SERVICES[name].portEnv] } : env;
const RUN_FILE = join(paths.runDir, 'start.json');

/**
 * Pretty app logs when a person watches this terminal: the apps' stdout is our pipe, so they
 * cannot tell by themselves. Anything reading our output as data keeps the JSON lines.
 */
export function logEnv(base = process.env, isTTY = Boolean(process.stdout.isTTY)) {
  if (!isTTY || base.LOG_FORMAT || base.NODE_ENV === 'production') return {};
  const colours = !base.NO_COLOR && base.TERM !== 'dumb';
  return { LOG_FORMAT: 'pretty', ...(colours && !base.FORCE_COLOR && { FORCE_COLOR: '1' }) };
}

export function appEnv(base = process.env) {
  const env = { ...base, ...logEnv(base) };
  env.KAFKA_BROKERS ||= '127.0.0.1:9092';
  env.REDIS_URL ||= 'redis://127.0.0.1:6379';
  for (const { port, portEnv } of Object.values(SERVICES)) env[portEnv] ||= String(port);
  // The AsyncAPI document names it, and the other apps' API pages link to its /docs.
  env.GATEWAY_PUBLIC_URL ||= `http://127.0.0.1:${env.GATEWAY_PORT}`;
  return env;
}

export function appPort(app, env) {
  return Number(env[SERVICES[app].portEnv]);
}

export async function buildApps(apps = [...new Set(APP_NAMES.map(appOf))]) {
  const nx = localBin('nx');
  if (!nx)
    throw new UserError('nx is not installed (node_modules/.bin/nx missing)', { hint: 'Run `npm ci`.' });
  const args = ['run-many', '-t', 'build', `--projects=${apps.join(',')}`, '--outputStyle=stream'];
  log.info(`building: nx ${args.join(' ')}`);
  const code = await run(nx, args, { env: { ...process.env, NX_TUI: 'false' } });
  if (code !== 0) throw new UserError(`build failed (nx exited ${code})`);
  for (const app of apps) {
    if (!existsSync(join(ROOT, mainFile(app))))
      throw new UserError(`build succeeded but ${mainFile(app)} does not exist`);
  }
}

/** Apps left behind by a previous `npm start` that was killed hard. */
async function cleanupStale() {
  let prev;
  try {
    prev = JSON.parse(readFileSync(RUN_FILE, 'utf8'));
  } catch {
    return;
  }
  if (
    prev.ownerPid &&
    prev.ownerPid !== process.pid &&
    isAlive(prev.ownerPid) &&
    /start\.mjs/.test(cmdlineOf(prev.ownerPid))
  ) {
    throw new UserError(`npm start is already running (pid ${prev.ownerPid})`, {
      hint: 'Stop it first (Ctrl-C in its terminal).',
    });
  }
  for (const [app, pid] of Object.entries(prev.apps || {})) {
    if (isAlive(pid) && cmdlineOf(pid).includes(mainFile(app))) {
      log.warn(`stopping ${app} (pid ${pid}) left over from a previous npm start`);
      await terminate(pid, { group: true, timeoutMs: 5000 });
    }
  }
  rmSync(RUN_FILE, { force: true });
}

async function portInUse(port) {
  return (await isPortOpen('127.0.0.1', port)) || (await isPortOpen('::1', port));
}

async function probeReady(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer().catch(() => undefined);
    return res.status === 200 ? { ok: true } : { ok: false, why: `HTTP ${res.status}` };
  } catch (e) {
    const code = e?.cause?.code || e?.name;
    return {
      ok: false,
      why:
        code === 'ECONNREFUSED'
          ? 'not listening yet'
          : code === 'TimeoutError'
            ? 'timeout'
            : String(code || e),
    };
  }
}

function pipeWithPrefix(stream, app, out) {
  const width = Math.max(...APP_NAMES.map((a) => a.length));
  const prefix = (APP_COLORS[appOf(app)] ?? ((s) => s))(`${app.padEnd(width)} |`);
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) =>
    out.write(`${prefix} ${line}\n`),
  );
}

async function main() {
  const argv = process.argv.slice(2);
  const unknown = argv.filter((a) => a !== '--no-build');
  if (unknown.length) throw new UserError(`unknown argument(s): ${unknown.join(' ')}  (known: --no-build)`);
  const t0 = Date.now();
  await ensureDeps();
  await infraUp({ quiet: true });
  const tInfra = Date.now();
  if (argv.includes('--no-build')) {
    const missing = APP_NAMES.filter((a) => !existsSync(join(ROOT, mainFile(a))));
    if (missing.length)
      throw new UserError(`--no-build, but not built yet: ${missing.join(', ')}`, {
        hint: 'Run without --no-build.',
      });
    log.info('skipping the build (--no-build): running what is in dist/apps');
  } else {
    await buildApps();
  }
  const tBuilt = Date.now();

  await cleanupStale();
  const env = appEnv();
  const adminFromEnv = Boolean(process.env.ADMIN_USERNAME || process.env.ADMIN_PASSWORD);
  env.ADMIN_USERNAME ||= 'admin';
  env.ADMIN_PASSWORD ||= 'admin-password';

  const busy = [];
  for (const app of APP_NAMES)
    if (await portInUse(appPort(app, env))) busy.push(`${app} :${appPort(app, env)}`);
  if (busy.length) {
    throw new UserError(`port(s) already in use: ${busy.join(', ')}`, {
      hint: 'Stop whatever uses them, or choose other ports with GATEWAY_PORT / AUTH_PORT / MODERATION_PORT / REPLAY_PORT / WEB_PORT.',
    });
  }

  /** @type {Map<string, import('node:child_process').ChildProcess>} */
  const children = new Map();
  /** app -> promise resolved when its stdout/stderr are drained ('close') */
  const closed = new Map();
  let stopping = false;

  const stopAll = async (exitCode, reason) => {
    if (stopping) return;
    stopping = true;
    if (reason) log.info(reason);
    const timeoutMs = Number(process.env.START_STOP_TIMEOUT_MS || 10000);
    const live = [...children].filter(([, ch]) => ch.exitCode === null && ch.signalCode === null);
    if (live.length)
      log.info(`stopping ${live.map(([a]) => a).join(', ')} (SIGTERM, SIGKILL after ${fmtSecs(timeoutMs)})…`);
    const results = await Promise.all(
      live.map(async ([app, ch]) => [app, await terminate(ch.pid, { group: true, timeoutMs })]),
    );
    for (const [app, r] of results)
      if (r === 'killed') log.warn(`${app} did not stop within ${fmtSecs(timeoutMs)}; killed`);
    // Let the last lines the apps wrote reach the terminal before exiting.
    await Promise.race([Promise.all([...closed.values()]), sleep(1000)]);
    rmSync(RUN_FILE, { force: true });
    log.info(`apps stopped. Kafka and Redis are still running — ${c.bold('npm run infra:down')} stops them.`);
    process.exit(exitCode);
  };

  // Children run in their own process group: a terminal Ctrl-C reaches only us, and
  // each app gets exactly one SIGTERM from stopAll (NestJS shuts down gracefully on it).
  // A repeat within 1.5s is taken as the same Ctrl-C delivered twice (e.g. via npm), not as "force".
  let firstSignalAt = 0;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      if (firstSignalAt && Date.now() - firstSignalAt < 1500) return;
      if (firstSignalAt) {
        log.warn('second signal: killing the apps now');
        for (const ch of children.values()) {
          try {
            process.kill(-ch.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        process.exit(130);
      }
      firstSignalAt = Date.now();
      stopAll(0, `${sig} received (Ctrl-C again to kill the apps immediately)`);
    });
  }
  process.on('exit', () => {
    for (const ch of children.values()) {
      if (ch.exitCode === null && ch.signalCode === null) {
        try {
          process.kill(-ch.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  });

  log.info(
    `admin login: ${c.bold(env.ADMIN_USERNAME)} / ` +
      (adminFromEnv && process.env.ADMIN_PASSWORD
        ? '(password from ADMIN_PASSWORD)'
        : c.bold(env.ADMIN_PASSWORD)) +
      (adminFromEnv ? '' : c.dim('  (defaults; set ADMIN_USERNAME / ADMIN_PASSWORD to change)')),
  );
  // REDIS_ACL=1: each app connects as its own ACL user (web uses no Redis).
  const redisUrls = redisAclEnabled() ? redisAclUrls(env.REDIS_URL) : {};
  const tSpawn = Date.now();
  for (const app of APP_NAMES) {
    const main = join(ROOT, mainFile(app));
    const redisUrl = redisUrls[appOf(app)];
    const child = spawn(process.execPath, [main], {
      cwd: ROOT,
      env: { ...serviceEnv(app, env), ...(redisUrl && { REDIS_URL: redisUrl }) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.set(app, child);
    closed.set(app, new Promise((r) => child.once('close', r)));
    pipeWithPrefix(child.stdout, app, process.stdout);
    pipeWithPrefix(child.stderr, app, process.stderr);
    child.on('error', (e) => {
      log.error(`${app}: could not start: ${e.message}`);
      stopAll(1);
    });
    child.on('exit', (code, signal) => {
      if (stopping) return;
      log.error(`${app} exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`);
      stopAll(1, 'stopping the other apps');
    });
    log.info(`started ${app} (pid ${child.pid}) on port ${appPort(app, env)}`);
  }
  mkdirSync(paths.runDir, { recursive: true });
  writeFileSync(
    RUN_FILE,
    `${JSON.stringify({ ownerPid: process.pid, apps: Object.fromEntries([...children].map(([a, ch]) => [a, ch.pid])) }, null, 2)}\n`,
  );

  // Wait for /readyz on every app.
  const timeoutMs = Number(process.env.START_READY_TIMEOUT_MS || 120000);
  const pending = new Map(APP_NAMES.map((a) => [a, 'starting']));
  let lastReport = Date.now();
  while (pending.size > 0) {
    if (stopping) return new Promise(() => undefined); // stopAll exits the process
    await Promise.all(
      [...pending.keys()].map(async (app) => {
        const r = await probeReady(appPort(app, env));
        if (r.ok) {
          pending.delete(app);
          log.ok(`${app} ready (${fmtSecs(Date.now() - tSpawn)})`);
        } else pending.set(app, r.why);
      }),
    );
    if (pending.size === 0) break;
    if (Date.now() - tSpawn > timeoutMs) {
      const waiting = [...pending].map(([a, why]) => `${a} (${why})`).join(', ');
      log.error(`not ready after ${fmtSecs(timeoutMs)}: ${waiting}`);
      await stopAll(1);
    }
    if (Date.now() - lastReport >= 5000) {
      lastReport = Date.now();
      log.info(c.dim(`waiting for /readyz: ${[...pending].map(([a, why]) => `${a} (${why})`).join(', ')}`));
    }
    await sleep(500);
  }

  const now = Date.now();
  const width = Math.max(...APP_NAMES.map((a) => a.length));
  console.log('');
  log.ok(
    c.bold(`all apps ready in ${fmtSecs(now - t0)}`) +
      c.dim(
        `  (infra ${fmtSecs(tInfra - t0)}, build ${fmtSecs(tBuilt - tInfra)}, apps ${fmtSecs(now - tSpawn)})`,
      ),
  );
  for (const app of APP_NAMES) {
    const url = `http://127.0.0.1:${appPort(app, env)}`;
    log.info(`  ${app.padEnd(width)}  ${url}${app === 'web' ? '' : c.dim(`  (docs: ${url}/docs)`)}`);
  }
  const web = `http://127.0.0.1:${appPort('web', env)}`;
  log.info(
    `${c.bold('open')} ${c.bold(web)} — live room (guest or sign in), ${web}/replay.html, ${web}/moderate.html (as ${env.ADMIN_USERNAME})`,
  );
  log.info(`  Kafka       ${env.KAFKA_BROKERS}`);
  log.info(
    `  Redis       ${redactUrl(env.REDIS_URL)}${redisAclEnabled() ? '  (one ACL user per app: REDIS_ACL)' : ''}`,
  );
  log.info(c.dim('Ctrl-C stops the apps; Kafka and Redis keep running (npm run infra:down stops them).'));
  return new Promise(() => undefined); // run until a signal or an app exit
}

if (isMain(import.meta.url)) runCli('start', main);
