// Shared helpers for tools/infra/*.mjs and tools/scripts/*.mjs.
// Plain Node (builtins only): this file is loaded before node_modules exists.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Absolute path of the repository root (tools/infra/lib.mjs -> ../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A path relative to the project root, for messages. */
export const rel = (p) => relative(ROOT, p) || '.';

export const paths = {
  root: ROOT,
  cacheDir: join(ROOT, '.cache'),
  dataDir: join(ROOT, '.data'),
  kafkaPom: join(ROOT, 'tools', 'infra', 'kafka', 'pom.xml'),
  kafkaLibs: join(ROOT, '.cache', 'kafka', 'libs'),
  kafkaLibsMarker: join(ROOT, '.cache', 'kafka', 'libs', '.complete'),
  kafkaMvnLog: join(ROOT, '.cache', 'kafka', 'mvn.log'),
  kafkaData: join(ROOT, '.data', 'kafka'),
  kafkaLogDirs: join(ROOT, '.data', 'kafka', 'data'),
  kafkaConfig: join(ROOT, '.data', 'kafka', 'server.properties'),
  kafkaLog4j: join(ROOT, '.data', 'kafka', 'log4j.properties'),
  kafkaLog: join(ROOT, '.data', 'kafka', 'server.log'),
  kafkaPid: join(ROOT, '.data', 'kafka', 'kafka.pid'),
  redisData: join(ROOT, '.data', 'redis'),
  redisLog: join(ROOT, '.data', 'redis', 'redis.log'),
  redisPid: join(ROOT, '.data', 'redis', 'redis.pid'),
  infraState: join(ROOT, '.data', 'infra', 'state.json'),
  runDir: join(ROOT, '.data', 'run'),
};

export const APPS = /** @type {const} */ ({
  gateway: { port: 3000, portEnv: 'GATEWAY_PORT' },
  auth: { port: 3001, portEnv: 'AUTH_PORT' },
  moderation: { port: 3002, portEnv: 'MODERATION_PORT' },
  replay: { port: 3003, portEnv: 'REPLAY_PORT' },
});

// ---------------------------------------------------------------------------
// Output

const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const paint = (code) => (s) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : String(s));
export const c = {
  bold: paint('1'),
  dim: paint('2'),
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
  blue: paint('34'),
  magenta: paint('35'),
  cyan: paint('36'),
  gray: paint('90'),
  enabled: useColor,
};

/** Logger with a fixed tag, e.g. logger('infra').info('...') -> "[infra] ...". */
export function logger(tag) {
  const prefix = c.cyan(`[${tag}]`);
  return {
    info: (...a) => console.log(prefix, ...a),
    ok: (...a) => console.log(prefix, c.green('✔'), ...a),
    warn: (...a) => console.warn(prefix, c.yellow('warning:'), ...a),
    error: (...a) => console.error(prefix, c.red('error:'), ...a),
    /** Write without newline (progress dots). */
    write: (s) => process.stdout.write(s),
    prefix,
  };
}

/** An Error whose message is meant for humans; CLIs print it without a stack. */
export class UserError extends Error {
  constructor(message, { hint, cause } = {}) {
    super(message, { cause });
    this.name = 'UserError';
    this.hint = hint;
  }
}

/** Standard CLI wrapper: run main(), print UserErrors nicely, set exit code. */
export async function runCli(tag, main) {
  const log = logger(tag);
  try {
    const code = await main();
    process.exitCode = typeof code === 'number' ? code : 0;
  } catch (err) {
    if (err instanceof UserError) {
      log.error(err.message);
      if (err.hint) console.error(err.hint.replace(/^/gm, '       '));
    } else {
      log.error(err?.stack ?? String(err));
    }
    process.exitCode = 1;
  }
}

/** True when the module at `metaUrl` is the script node was started with. */
export function isMain(metaUrl) {
  if (!process.argv[1]) return false;
  try {
    return metaUrl === pathToFileURL(resolve(process.argv[1])).href;
  } catch {
    return false;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function fmtSecs(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

// ---------------------------------------------------------------------------
// Processes

/** Is `pid` a live process (zombies count as dead)? */
export function isAlive(pid) {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code === 'EPERM') return true;
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* no /proc (macOS): trust kill(0) */
  }
  return true;
}

/** Command line of `pid` as one string ('' if unknown / no /proc). */
export function cmdlineOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    const r = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return (r.stdout || '').trim();
  }
}

export function readPidFile(file) {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * SIGTERM `pid` (or its process group when `group`), wait up to `timeoutMs`,
 * then SIGKILL. Resolves to 'not-running' | 'terminated' | 'killed'.
 */
export async function terminate(pid, { timeoutMs = 15000, group = false, onWait } = {}) {
  if (!isAlive(pid)) return 'not-running';
  const target = group ? -pid : pid;
  const send = (sig) => {
    try {
      process.kill(target, sig);
    } catch (e) {
      if (group && e.code === 'ESRCH') {
        try {
          process.kill(pid, sig);
        } catch {
          /* gone */
        }
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

/** Does `cmd` exist on PATH? Returns its --version-ish output or null. */
export function probeCommand(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20000 });
  if (r.error) return null;
  return `${r.stdout || ''}${r.stderr || ''}`.trim();
}

/**
 * Run a command, inheriting stdio. Resolves with the exit code (never rejects
 * on non-zero; rejects only if the command cannot be spawned). While it runs,
 * SIGINT/SIGTERM received by this process are forwarded to the child, and this
 * process stays alive until the child has exited.
 */
export function run(cmd, args, { cwd = ROOT, env = process.env, stdio = 'inherit' } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio });
    const forward = (sig) => {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    };
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
      resolvePromise(code ?? (signal ? 128 + signalNumber(signal) : 1));
    });
  });
}

function signalNumber(sig) {
  return { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 }[sig] ?? 1;
}

/** Path to a binary in node_modules/.bin, or null. */
export function localBin(name) {
  const p = join(ROOT, 'node_modules', '.bin', name);
  return existsSync(p) ? p : null;
}

/** Last `n` lines of a text file ('' if missing). */
export function tailFile(file, n = 30) {
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
 * Cross-process lock: mkdir is atomic. A lock held by a dead pid is broken.
 * `onWait(holderPid)` is called once if we have to wait.
 */
export async function withDirLock(dir, fn, { timeoutMs = 600000, onWait } = {}) {
  mkdirSync(dirname(dir), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = readPidFile(join(dir, 'pid'));
      let age = 0;
      try {
        age = Date.now() - statSync(dir).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if ((holder && !isAlive(holder)) || (!holder && age > 5000)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!announced) {
        onWait?.(holder);
        announced = true;
      }
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

export function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Is something accepting TCP connections on host:port? */
export function isPortOpen(host, port, timeoutMs = 700) {
  return new Promise((resolvePromise) => {
    const sock = net.connect({ host, port });
    const done = (v) => {
      sock.destroy();
      resolvePromise(v);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} timed out after ${ms}ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

/** An npm package of the workspace, loaded when first needed (this file must load without node_modules). */
export function requireFromRoot(name) {
  const require = createRequire(join(ROOT, 'package.json'));
  try {
    return require(name);
  } catch (e) {
    if (e.code === 'MODULE_NOT_FOUND') {
      throw new UserError(`npm package "${name}" is not installed (is node_modules missing?)`, {
        hint: 'Run `npm ci` first (npm start / npm test / npm run infra:up do it automatically).',
      });
    }
    throw e;
  }
}
