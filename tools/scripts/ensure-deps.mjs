#!/usr/bin/env node
// Make sure node_modules matches package-lock.json; run `npm ci` when it doesn't.
// Plain JavaScript on builtins only: it runs before node_modules exists (`.ci/run` on a fresh
// clone, and bootstrap.mjs before every npm entry), so it cannot import the TypeScript of tools/.
//
// Fresh when node_modules/.danmaku-deps.json records the sha256 of the current
// package-lock.json (+ the Node ABI, for native modules). Without that marker
// (someone ran `npm ci`/`npm install` by hand) npm's own hidden lockfile
// node_modules/.package-lock.json is compared package by package with
// package-lock.json, so a manual install is not redone needlessly.
//
// CLI: node tools/scripts/ensure-deps.mjs [--force]

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const paint = (code, s) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : s);
const tag = paint(36, '[deps]');
export const log = {
  info: (...a) => console.log(tag, ...a),
  ok: (...a) => console.log(tag, paint(32, '✔'), ...a),
  warn: (...a) => console.warn(tag, paint(33, 'warning:'), ...a),
  error: (...a) => console.error(tag, paint(31, 'error:'), ...a),
};
const fmtSecs = (ms) => `${(ms / 1000).toFixed(1)}s`;

/** An error for people: bootstrap.mjs and the CLI below print its message without a stack. */
export class DepsError extends Error {}

const MARKER = '.danmaku-deps.json';

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** null when node_modules' hidden lockfile agrees with package-lock.json, else a reason. */
function hiddenLockfileMismatch(lock, hidden) {
  if (!hidden?.packages || !lock?.packages) return 'no node_modules/.package-lock.json';
  const want = lock.packages;
  const have = hidden.packages;
  for (const [key, w] of Object.entries(want)) {
    if (key === '' || !key.includes('node_modules/')) continue; // root / workspace folders
    const h = have[key];
    if (!h) {
      if (w.optional || w.peer) continue; // platform-specific optional deps, unmet optional peers
      return `${key} is not installed`;
    }
    if (w.link || h.link) {
      if (w.resolved !== h.resolved) return `${key} links elsewhere`;
    } else if (w.version !== h.version) {
      return `${key} is ${h.version}, package-lock.json wants ${w.version}`;
    }
  }
  for (const key of Object.keys(have)) {
    if (key !== '' && key.includes('node_modules/') && !(key in want))
      return `${key} is installed but not in package-lock.json`;
  }
  return null;
}

/** Why node_modules needs (re)installing, or null if it is fresh. */
export function depsStaleReason(root = ROOT) {
  const lockFile = join(root, 'package-lock.json');
  const nm = join(root, 'node_modules');
  if (!existsSync(nm)) return 'node_modules is missing';
  if (!existsSync(lockFile)) return 'package-lock.json is missing';
  const expected = { lockSha256: sha256(lockFile), nodeAbi: process.versions.modules };
  const marker = readJson(join(nm, MARKER));
  if (marker && marker.lockSha256 === expected.lockSha256) {
    if (marker.nodeAbi !== expected.nodeAbi)
      return `Node ABI changed (${marker.nodeAbi} -> ${expected.nodeAbi}); native modules must be rebuilt`;
    return null;
  }
  const mismatch = hiddenLockfileMismatch(readJson(lockFile), readJson(join(nm, '.package-lock.json')));
  if (mismatch) return marker ? `package-lock.json changed (${mismatch})` : mismatch;
  // Installed by hand and consistent: adopt it.
  writeMarker(root);
  return null;
}

function writeMarker(root) {
  const lockFile = join(root, 'package-lock.json');
  writeFileSync(
    join(root, 'node_modules', MARKER),
    `${JSON.stringify({ lockSha256: sha256(lockFile), nodeAbi: process.versions.modules, at: new Date().toISOString() }, null, 2)}\n`,
  );
}

const isAlive = (pid) => {
  try {
    return process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
};

/** One install at a time (mkdir is atomic); the lock of a process that died is broken. */
async function withInstallLock(root, fn) {
  const dir = join(root, '.cache', 'ensure-deps.lock');
  mkdirSync(dirname(dir), { recursive: true });
  for (let waited = false; ;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const pid = readJson(join(dir, 'pid'));
      const age = Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (pid ? !isAlive(pid) : age > 5000) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!waited) log.info(`another process (pid ${pid}) is installing dependencies; waiting…`);
      waited = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run npm with stdout inherited and stderr shown live and captured. */
function npm(root, args, t0) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npm', args, {
      cwd: root,
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      process.stderr.write(d);
      if (stderr.length < 200000) stderr += d.toString('utf8');
    });
    // npm is silent for a long time when stdout is not a terminal (CI): show it is alive.
    const heartbeat = process.stdout.isTTY
      ? null
      : setInterval(() => log.info(`npm ${args[0]} still running (${fmtSecs(Date.now() - t0)})…`), 15000);
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const cleanup = () => {
      if (heartbeat) clearInterval(heartbeat);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    };
    child.on('error', (e) => {
      cleanup();
      reject(new DepsError(`could not run npm: ${e.message}`));
    });
    child.on('close', (exitCode, signal) => {
      cleanup();
      resolvePromise({ code: exitCode ?? (signal ? 1 : 0), stderr });
    });
  });
}

/**
 * Run `npm ci` if node_modules is missing or does not match package-lock.json.
 * @returns {Promise<{installed: boolean, reason?: string, ms?: number}>}
 */
export async function ensureDeps({ root = ROOT, force = false } = {}) {
  if (!existsSync(join(root, 'package.json'))) throw new DepsError(`no package.json in ${root}`);
  let reason = force ? 'forced (--force)' : depsStaleReason(root);
  if (!reason) return { installed: false };

  return withInstallLock(root, async () => {
    // Someone else may have installed while we waited for the lock.
    reason = force ? reason : depsStaleReason(root);
    if (!reason) return { installed: false };

    const hasLock = existsSync(join(root, 'package-lock.json'));
    const t0 = Date.now();
    let args = hasLock ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
    if (!hasLock) log.warn('package-lock.json is missing: running `npm install` instead of `npm ci`');
    log.info(`installing dependencies: npm ${args.join(' ')}  (${reason})`);
    let { code, stderr } = await npm(root, args, t0);
    if (
      code !== 0 &&
      hasLock &&
      /can only install packages when your package\.json and package-lock\.json/.test(stderr)
    ) {
      // Seen here: the registry lacks other platforms' optional packages (e.g. @swc/core-darwin-arm64),
      // so package-lock.json has no entries for them and `npm ci` refuses the lock as "out of sync".
      // `npm install --no-save` still installs the locked versions and leaves the lock untouched.
      log.warn('`npm ci` rejected package-lock.json as out of sync with package.json (see above);');
      log.warn(
        'falling back to `npm install --no-save` (installs the locked versions, does not rewrite the lock)',
      );
      args = ['install', '--no-save', '--no-audit', '--no-fund'];
      ({ code, stderr } = await npm(root, args, t0));
    }
    if (code !== 0) throw new DepsError(`npm ${args[0]} failed (exit ${code})`);
    writeMarker(root);
    const ms = Date.now() - t0;
    log.ok(`dependencies installed in ${fmtSecs(ms)}`);
    return { installed: true, reason, ms };
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureDeps({ force: process.argv.includes('--force') }).then(
    (r) => r.installed || log.ok('node_modules is up to date'),
    (e) => {
      log.error(e instanceof DepsError ? e.message : (e?.stack ?? e));
      process.exitCode = 1;
    },
  );
}
