// npm start — everything needed to use the platform locally, in one command:
//   1. npm ci if node_modules is missing/stale      (start.mjs, through bootstrap.mjs)
//   2. Kafka + Redis + topics                       (tools/infra/up.ts)
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
//      tools/infra/redis.ts, docs/security.md),
//      START_READY_TIMEOUT_MS (120000), START_STOP_TIMEOUT_MS (10000).
//      Everything else is passed through to the apps unchanged (docs/configuration.md).
// Logs: on a terminal the apps print one pretty line per event (LOG_FORMAT=pretty, coloured
// unless NO_COLOR), each prefixed with the app's name; piped or with NODE_ENV=production
// they stay JSON lines. An explicit LOG_FORMAT wins; LOG_LEVEL reaches every app.
// Flags: --no-build (run what is already in dist/apps; quick restart).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  ProcessNotReadyError,
  onStopSignals,
  prefixedOutput,
  startProcess,
  type ManagedProcess,
  type Readiness,
  withHeapPolicy,
} from '@danmaku/process';

import { ROOT, UserError, c, checkArgs, fmtSecs, logger, paths, runCli, type Paint } from '../infra/cli';
import { cmdlineOf, isAlive, isPortOpen, localBin, run, terminate } from '../infra/processes';
import { redactUrl, redisAclEnabled, redisAclUrls } from '../infra/redis';
import { infraUp } from '../infra/up';
import { APPS, WEB, mainFile, type AppPort } from './apps';

const log = logger('start');

/**
 * The four apps, a second moderation instance (the two share the `moderation.decide` group's
 * partitions: when one dies, its rooms move to the other within ~2 s) and the web app.
 */
const SERVICES: Record<string, AppPort & { app?: keyof typeof APPS }> = {
  ...APPS,
  'moderation-2': { app: 'moderation', port: 3012, portEnv: 'MODERATION_2_PORT' },
  web: WEB,
};
const NAMES = Object.keys(SERVICES);
const WIDTH = Math.max(...NAMES.map((n) => n.length));
const APP_COLORS: Record<string, Paint> = {
  gateway: c.magenta,
  auth: c.blue,
  moderation: c.yellow,
  replay: c.green,
  web: c.cyan,
};
/** The app a service runs (a second instance runs the same build). */
const appOf = (name: string): string => SERVICES[name].app ?? name;
const RUN_FILE = join(paths.runDir, 'start.json');

/**
 * Pretty app logs when a person watches this terminal: the apps' stdout is our pipe, so they
 * cannot tell by themselves. Anything reading our output as data keeps the JSON lines.
 */
function logEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!process.stdout.isTTY || base.LOG_FORMAT || base.NODE_ENV === 'production') return {};
  const colours = !base.NO_COLOR && base.TERM !== 'dumb';
  return { LOG_FORMAT: 'pretty', ...(colours && !base.FORCE_COLOR && { FORCE_COLOR: '1' }) };
}

function appEnv(base = process.env): NodeJS.ProcessEnv {
  const env = { ...base, ...logEnv(base) };
  env.KAFKA_BROKERS ||= '127.0.0.1:9092';
  env.REDIS_URL ||= 'redis://127.0.0.1:6379';
  for (const { port, portEnv } of Object.values(SERVICES)) env[portEnv] ||= String(port);
  // The AsyncAPI document names it, and the other apps' API pages link to its /docs.
  env.GATEWAY_PUBLIC_URL ||= `http://127.0.0.1:${env.GATEWAY_PORT}`;
  env.ADMIN_USERNAME ||= 'admin';
  env.ADMIN_PASSWORD ||= 'admin-password';
  return env;
}

/** A service's environment: a second instance listens on its own port (its metrics port follows: + 6000). */
function serviceEnv(name: string, env: NodeJS.ProcessEnv, redisUrls: Partial<Record<string, string>>) {
  const { app, portEnv } = SERVICES[name];
  const redisUrl = redisUrls[appOf(name)];
  return withHeapPolicy(appOf(name), {
    ...env,
    ...(app && { [APPS[app].portEnv]: env[portEnv] }),
    ...(redisUrl && { REDIS_URL: redisUrl }),
  });
}

const appPort = (name: string, env: NodeJS.ProcessEnv): number => Number(env[SERVICES[name].portEnv]);

export async function buildApps(apps = [...new Set(NAMES.map(appOf))]): Promise<void> {
  const args = ['run-many', '-t', 'build', `--projects=${apps.join(',')}`, '--outputStyle=stream'];
  log.info(`building: nx ${args.join(' ')}`);
  const code = await run(localBin('nx'), args, { env: { ...process.env, NX_TUI: 'false' } });
  if (code !== 0) throw new UserError(`build failed (nx exited ${code})`);
  for (const app of apps) {
    if (!existsSync(join(ROOT, mainFile(app))))
      throw new UserError(`build succeeded but ${mainFile(app)} does not exist`);
  }
}

/** Apps left behind by a previous `npm start` that was killed hard. */
async function cleanupStale(): Promise<void> {
  let prev: { ownerPid?: number; apps?: Record<string, number> };
  try {
    prev = JSON.parse(readFileSync(RUN_FILE, 'utf8')) as typeof prev;
  } catch {
    return;
  }
  const owner = prev.ownerPid;
  if (owner && owner !== process.pid && isAlive(owner) && /start\.mjs/.test(cmdlineOf(owner))) {
    throw new UserError(`npm start is already running (pid ${owner})`, {
      hint: 'Stop it first (Ctrl-C in its terminal).',
    });
  }
  for (const [name, pid] of Object.entries(prev.apps ?? {})) {
    if (isAlive(pid) && SERVICES[name] && cmdlineOf(pid).includes(mainFile(appOf(name)))) {
      log.warn(`stopping ${name} (pid ${pid}) left over from a previous npm start`);
      await terminate(pid, { group: true, timeoutMs: 5000 });
    }
  }
  rmSync(RUN_FILE, { force: true });
}

async function checkPortsFree(env: NodeJS.ProcessEnv): Promise<void> {
  const busy: string[] = [];
  for (const name of NAMES) {
    const port = appPort(name, env);
    if ((await isPortOpen('127.0.0.1', port)) || (await isPortOpen('::1', port)))
      busy.push(`${name} :${port}`);
  }
  if (busy.length) {
    throw new UserError(`port(s) already in use: ${busy.join(', ')}`, {
      hint: 'Stop whatever uses them, or choose other ports with GATEWAY_PORT / AUTH_PORT / MODERATION_PORT / REPLAY_PORT / WEB_PORT.',
    });
  }
}

/** Ready when GET /readyz answers 200; until then `why` says what it answered, for the progress line. */
function readyz(port: number, why: Map<string, string>, name: string): Readiness {
  return () => async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 200) return true;
      why.set(name, `HTTP ${res.status}`);
    } catch (e) {
      const code = (e as { cause?: { code?: string }; name?: string }).cause?.code ?? (e as Error).name;
      why.set(
        name,
        code === 'ECONNREFUSED' ? 'not listening yet' : code === 'TimeoutError' ? 'timeout' : code,
      );
    }
    return false;
  };
}

function printBanner(
  env: NodeJS.ProcessEnv,
  times: { t0: number; tInfra: number; tBuilt: number; tSpawn: number },
) {
  const now = Date.now();
  console.log('');
  log.ok(
    c.bold(`all apps ready in ${fmtSecs(now - times.t0)}`) +
      c.dim(
        `  (infra ${fmtSecs(times.tInfra - times.t0)}, build ${fmtSecs(times.tBuilt - times.tInfra)}, apps ${fmtSecs(now - times.tSpawn)})`,
      ),
  );
  for (const name of NAMES) {
    const url = `http://127.0.0.1:${appPort(name, env)}`;
    log.info(`  ${name.padEnd(WIDTH)}  ${url}${name === 'web' ? '' : c.dim(`  (docs: ${url}/docs)`)}`);
  }
  const web = `http://127.0.0.1:${appPort('web', env)}`;
  log.info(
    `${c.bold('open')} ${c.bold(web)} — live room (guest or sign in), ${web}/replay.html, ${web}/moderate.html (as ${env.ADMIN_USERNAME})`,
  );
  log.info(`  Kafka       ${env.KAFKA_BROKERS}`);
  log.info(
    `  Redis       ${redactUrl(env.REDIS_URL ?? '')}${redisAclEnabled() ? '  (one ACL user per app: REDIS_ACL)' : ''}`,
  );
  log.info(c.dim('Ctrl-C stops the apps; Kafka and Redis keep running (npm run infra:down stops them).'));
}

async function main(argv: string[]): Promise<never> {
  checkArgs(argv, ['--no-build']);
  const t0 = Date.now();
  await infraUp({ quiet: true });
  const tInfra = Date.now();
  if (argv.includes('--no-build')) {
    const missing = NAMES.filter((name) => !existsSync(join(ROOT, mainFile(appOf(name)))));
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
  const adminFromEnv = Boolean(process.env.ADMIN_USERNAME || process.env.ADMIN_PASSWORD);
  const env = appEnv();
  await checkPortsFree(env);

  const procs: ManagedProcess[] = [];
  let stopping = false;
  const stopAll = async (exitCode: number, reason?: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (reason) log.info(reason);
    const graceMs = Number(process.env.START_STOP_TIMEOUT_MS || 10000);
    const live = procs.filter((p) => p.running);
    if (live.length)
      log.info(
        `stopping ${live.map((p) => p.name).join(', ')} (SIGTERM, SIGKILL after ${fmtSecs(graceMs)})…`,
      );
    // stop() resolves once a process has exited and its last lines reached the terminal.
    const results = await Promise.all(live.map(async (p) => [p.name, await p.stop({ graceMs })] as const));
    for (const [name, r] of results)
      if (r === 'killed') log.warn(`${name} did not stop within ${fmtSecs(graceMs)}; killed`);
    rmSync(RUN_FILE, { force: true });
    log.info(`apps stopped. Kafka and Redis are still running — ${c.bold('npm run infra:down')} stops them.`);
    process.exit(exitCode);
  };

  // The apps run in their own process groups: a terminal Ctrl-C reaches only us, and each app
  // gets exactly one SIGTERM from stopAll (NestJS shuts down gracefully on it).
  onStopSignals({
    stop: (sig) => void stopAll(0, `${sig} received (Ctrl-C again to kill the apps immediately)`),
    kill: () => {
      log.warn('second signal: killing the apps now');
      for (const p of procs) p.killNow();
      process.exit(130);
    },
  });
  process.on('exit', () => procs.forEach((p) => p.killNow()));

  log.info(
    `admin login: ${c.bold(env.ADMIN_USERNAME ?? '')} / ` +
      (adminFromEnv && process.env.ADMIN_PASSWORD
        ? '(password from ADMIN_PASSWORD)'
        : c.bold(env.ADMIN_PASSWORD ?? '')) +
      (adminFromEnv ? '' : c.dim('  (defaults; set ADMIN_USERNAME / ADMIN_PASSWORD to change)')),
  );
  // REDIS_ACL=1: each app connects as its own ACL user (web uses no Redis).
  const redisUrls = redisAclEnabled() ? redisAclUrls(env.REDIS_URL ?? '') : {};
  const tSpawn = Date.now();
  for (const name of NAMES) {
    const p = startProcess({
      name,
      script: join(ROOT, mainFile(appOf(name))),
      env: serviceEnv(name, env, redisUrls),
      cwd: ROOT,
      detached: true,
      onLine: prefixedOutput(name, { width: WIDTH, paint: APP_COLORS[appOf(name)] }),
      onUnexpectedExit: ({ exit }) => {
        const how = exit.signal
          ? `signal ${exit.signal}`
          : exit.code === null
            ? 'could not start'
            : `exit code ${exit.code}`;
        log.error(`${name} exited unexpectedly (${how})`);
        void stopAll(1, 'stopping the other apps');
      },
    });
    procs.push(p);
    log.info(`started ${name} (pid ${p.pid}) on port ${appPort(name, env)}`);
  }
  mkdirSync(paths.runDir, { recursive: true });
  const pids = Object.fromEntries(procs.map((p) => [p.name, p.pid]));
  writeFileSync(RUN_FILE, `${JSON.stringify({ ownerPid: process.pid, apps: pids }, null, 2)}\n`);

  // Wait for /readyz on every app, saying every 5 s what the others answer.
  const timeoutMs = Number(process.env.START_READY_TIMEOUT_MS || 120000);
  const pending = new Map(NAMES.map((name) => [name, 'starting']));
  const waiting = () => [...pending].map(([name, why]) => `${name} (${why})`).join(', ');
  const progress = setInterval(() => stopping || log.info(c.dim(`waiting for /readyz: ${waiting()}`)), 5000);
  const waits = procs.map(async (p) => {
    await p.waitReady(readyz(appPort(p.name, env), pending, p.name), { timeoutMs, intervalMs: 500 });
    pending.delete(p.name);
    log.ok(`${p.name} ready (${fmtSecs(Date.now() - tSpawn)})`);
  });
  const settled = await Promise.allSettled(waits);
  clearInterval(progress);
  if (stopping) return new Promise<never>(() => undefined); // stopAll exits the process
  if (settled.some((s) => s.status === 'rejected' && s.reason instanceof ProcessNotReadyError)) {
    log.error(`not ready after ${fmtSecs(timeoutMs)}: ${waiting()}`);
    await stopAll(1);
  }

  printBanner(env, { t0, tInfra, tBuilt, tSpawn });
  return new Promise<never>(() => undefined); // run until a signal or an app exit
}

export function cli(argv: string[]): Promise<void> {
  return runCli('start', () => main(argv));
}
