// Redis for infra:up: reuse the one at REDIS_URL when it answers PING, else start a local
// redis-server (AOF in .data/redis) that infra:down stops.
//
// REDIS_ACL=1: the local redis-server runs with the apps' ACL users, as compose does
// (deploy/redis/users.acl through deploy/redis/redis-acl.sh), and `npm start` gives each app its
// own user. Dev passwords are made once into .data/redis-acl-passwords.json (git-ignored, mode
// 600) and reused. A Redis started without it has no such users: infra:down before switching.

import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  UserError,
  cmdlineOf,
  isAlive,
  isLoopback,
  isPortOpen,
  logger,
  paths,
  probeCommand,
  readPidFile,
  requireFromRoot,
  sleep,
  tailFile,
  withTimeout,
  rel,
} from './lib.mjs';

const log = logger('infra');

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The ACL users of deploy/redis/users.acl that log in: one per app that uses Redis. */
export const REDIS_ACL_USERS = ['auth', 'moderation', 'gateway', 'replay'];
const ACL_SCRIPT = join(paths.root, 'deploy', 'redis', 'redis-acl.sh');
const ACL_PASSWORDS = join(paths.dataDir, 'redis-acl-passwords.json');

/** REDIS_ACL=1 (or true): local Redis with one ACL user per app. */
export function redisAclEnabled(env = process.env) {
  return env.REDIS_ACL === '1' || env.REDIS_ACL === 'true';
}

/** The dev passwords of the ACL users, made on first use and reused. */
export function devRedisPasswords() {
  try {
    const stored = JSON.parse(readFileSync(ACL_PASSWORDS, 'utf8'));
    if (REDIS_ACL_USERS.every((u) => typeof stored[u] === 'string')) return stored;
  } catch {
    /* none yet */
  }
  const passwords = Object.fromEntries(REDIS_ACL_USERS.map((u) => [u, randomBytes(24).toString('hex')]));
  mkdirSync(paths.dataDir, { recursive: true });
  writeFileSync(ACL_PASSWORDS, `${JSON.stringify(passwords, null, 2)}\n`, { mode: 0o600 });
  return passwords;
}

/** Each app's REDIS_URL with REDIS_ACL=1: `baseUrl` with the app's user and dev password. */
export function redisAclUrls(baseUrl) {
  const passwords = devRedisPasswords();
  return Object.fromEntries(
    REDIS_ACL_USERS.map((user) => {
      const url = new URL(baseUrl);
      url.username = user;
      url.password = passwords[user];
      return [user, url.toString()];
    }),
  );
}

export function parseRedisUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`REDIS_URL: cannot parse "${url}" (expected redis://host:port)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UserError(`REDIS_URL: unsupported scheme "${u.protocol}" (expected redis:// or rediss://)`);
  }
  return {
    host: (u.hostname || '127.0.0.1').replace(/^\[|\]$/g, ''),
    port: Number(u.port || 6379),
    username: decodeURIComponent(u.username || ''),
    password: decodeURIComponent(u.password || ''),
    tls: u.protocol === 'rediss:',
  };
}

/** redis://user:secret@host -> redis://user:***@host */
export function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** PING (after AUTH when the URL has credentials) with ioredis. Resolves {ok, reply|error}. */
// The timeout is generous because infra:up loads kafkajs at the same moment, which can block the
// event loop for a second; a Redis that is down answers ECONNREFUSED at once anyway.
export async function pingRedis(url, timeoutMs = 3000) {
  const cfg = typeof url === 'string' ? parseRedisUrl(url) : url;
  const Redis = requireFromRoot('ioredis');
  const redis = new Redis({
    host: cfg.host,
    port: cfg.port,
    username: cfg.username || undefined,
    password: cfg.password || undefined,
    tls: cfg.tls ? { servername: cfg.host, rejectUnauthorized: false } : undefined,
    lazyConnect: true,
    enableReadyCheck: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // connect() only says "Connection is closed."; the cause (ECONNREFUSED, WRONGPASS…) is the last 'error'.
  let cause;
  redis.on('error', (e) => (cause = e));
  try {
    await withTimeout(redis.connect(), timeoutMs, 'connect');
    const reply = await redis.ping();
    return reply === 'PONG' ? { ok: true, reply } : { ok: false, error: `unexpected reply: ${reply}` };
  } catch (e) {
    const err = cause ?? e;
    return { ok: false, error: err?.code || err?.message || String(err) };
  } finally {
    redis.disconnect();
  }
}

export async function ensureRedis(rawUrl) {
  const cfg = parseRedisUrl(rawUrl);
  const redisUrl = redactUrl(rawUrl); // for messages and state.json
  const ourPid = readPidFile(paths.redisPid);
  const ours = ourPid && isAlive(ourPid) && /redis-server/.test(cmdlineOf(ourPid)) ? ourPid : null;
  const acl = redisAclEnabled() ? devRedisPasswords() : null;
  // With the ACL users the default user is off: ask as one of them.
  const probe = acl ? { ...cfg, username: 'replay', password: acl.replay } : cfg;

  const first = await pingRedis(probe);
  if (first.ok) {
    return { url: redisUrl, managed: Boolean(ours), startedNow: false, pid: ours, acl: Boolean(acl) };
  }
  if (/NOAUTH|WRONGPASS|invalid password|NOPERM/i.test(first.error || '')) {
    throw new UserError(`Redis at ${redisUrl} is running but rejected us: ${first.error}`, {
      hint: acl
        ? 'It has not the ACL users of REDIS_ACL=1 (or other passwords): `npm run infra:down`, then `REDIS_ACL=1 npm run infra:up`.'
        : /NOAUTH/.test(first.error) && ours
          ? "It runs with the apps' ACL users: set REDIS_ACL=1 too, or `npm run infra:down` and start it without."
          : 'Put the right credentials in REDIS_URL (redis://user:password@host:port).',
    });
  }
  if (!isLoopback(cfg.host) || cfg.tls) {
    throw new UserError(
      `Redis at ${redisUrl} is not reachable (${first.error}) and it is not a local address I can start`,
      {
        hint: 'Start that Redis, or unset REDIS_URL to use a local one.',
      },
    );
  }
  if (await isPortOpen(cfg.host === 'localhost' ? '127.0.0.1' : cfg.host, cfg.port)) {
    throw new UserError(`port ${cfg.port} is in use, but it does not answer Redis PING (${first.error})`, {
      hint: `Free port ${cfg.port} or point REDIS_URL at another port.`,
    });
  }
  if (!probeCommand('redis-server', ['--version'])) {
    throw new UserError('redis-server not found on PATH and no Redis is answering at ' + redisUrl, {
      hint: 'Install it (Debian/Ubuntu: apt-get install -y redis-server) or set REDIS_URL to a running Redis.',
    });
  }

  mkdirSync(paths.redisData, { recursive: true });
  if (ourPid && !isAlive(ourPid)) rmSync(paths.redisPid, { force: true });
  const bind = cfg.host === 'localhost' || cfg.host === '127.0.0.1' ? ['127.0.0.1', '-::1'] : [cfg.host];
  const args = [
    '--daemonize',
    'yes',
    '--bind',
    ...bind,
    '--port',
    String(cfg.port),
    // Persist like compose does (AOF, fsync every second) into the git-ignored data folder:
    // accounts, sessions, recordings and room seqs survive a reboot or `infra:down`/`infra:up`.
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--dir',
    paths.redisData,
    '--logfile',
    paths.redisLog,
    '--pidfile',
    paths.redisPid,
  ];
  if (cfg.password && !cfg.username && !acl) args.push('--requirepass', cfg.password);
  log.info(
    `starting redis-server on ${cfg.host}:${cfg.port}${acl ? ' with one ACL user per app (REDIS_ACL)' : ''} (log: ${rel(paths.redisLog)})`,
  );
  const r = acl
    ? spawnSync('sh', [ACL_SCRIPT, ...args], {
        cwd: paths.redisData,
        encoding: 'utf8',
        timeout: 15000,
        env: {
          ...process.env,
          ...Object.fromEntries(REDIS_ACL_USERS.map((u) => [`REDIS_${u.toUpperCase()}_PASSWORD`, acl[u]])),
          REDIS_ACL_NAMESPACE: process.env.DANMAKU_NAMESPACE ?? '',
          REDIS_ACL_FILE: join(paths.redisData, 'users.acl'),
        },
      })
    : spawnSync('redis-server', args, { cwd: paths.redisData, encoding: 'utf8', timeout: 15000 });
  if (r.status !== 0) {
    throw new UserError(
      `redis-server failed to start (exit ${r.status}): ${(r.stderr || r.stdout || '').trim()}`,
      {
        hint: tailFile(paths.redisLog, 15),
      },
    );
  }
  const deadline = Date.now() + 10000;
  for (;;) {
    const p = await pingRedis(probe);
    if (p.ok) break;
    if (Date.now() > deadline) {
      throw new UserError(`redis-server did not answer PING within 10s (${p.error})`, {
        hint: `Last lines of ${rel(paths.redisLog)}:\n${tailFile(paths.redisLog, 15)}`,
      });
    }
    await sleep(100);
  }
  let pid = null;
  for (let i = 0; i < 20 && !pid; i++) {
    pid = readPidFile(paths.redisPid);
    if (!pid) await sleep(50);
  }
  return { url: redisUrl, managed: true, startedNow: true, pid, acl: Boolean(acl) };
}
