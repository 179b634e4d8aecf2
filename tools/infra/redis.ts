// Redis for infra:up: reuse the one at REDIS_URL when it answers PING, else start a local
// redis-server (AOF in .data/redis) that infra:down stops.
//
// REDIS_ACL=1: the local redis-server runs with the apps' ACL users, as compose does
// (deploy/redis/users.acl through deploy/redis/redis-acl.sh), and `npm start` gives each app its
// own user. Dev passwords are made once into .data/redis-acl-passwords.json (git-ignored, mode
// 600) and reused. A Redis started without it has no such users: infra:down before switching.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import Redis from 'ioredis';

import { ROOT, UserError, errorText, logger, paths, rel, sleep, withTimeout } from './cli';
import { cmdlineOf, isAlive, isLoopback, isPortOpen, probeCommand, readPidFile, tailFile } from './processes';

const log = logger('infra');

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The ACL users of deploy/redis/users.acl that log in: one per app that uses Redis. */
export const REDIS_ACL_USERS = ['auth', 'moderation', 'gateway', 'replay'] as const;
type AclUser = (typeof REDIS_ACL_USERS)[number];
const ACL_SCRIPT = join(ROOT, 'deploy', 'redis', 'redis-acl.sh');
const ACL_PASSWORDS = join(paths.dataDir, 'redis-acl-passwords.json');

export interface RedisState {
  url: string;
  /** Started by infra:up (now or earlier): infra:down stops it. */
  managed: boolean;
  startedNow: boolean;
  pid: number | null;
  acl: boolean;
}

interface RedisAddress {
  host: string;
  port: number;
  username: string;
  password: string;
  tls: boolean;
}

/** REDIS_ACL=1 (or true): local Redis with one ACL user per app. */
export function redisAclEnabled(env = process.env): boolean {
  return env.REDIS_ACL === '1' || env.REDIS_ACL === 'true';
}

/** The dev passwords of the ACL users, made on first use and reused. */
export function devRedisPasswords(): Record<AclUser, string> {
  try {
    const stored = JSON.parse(readFileSync(ACL_PASSWORDS, 'utf8')) as Record<string, unknown>;
    if (REDIS_ACL_USERS.every((u) => typeof stored[u] === 'string')) return stored as Record<AclUser, string>;
  } catch {
    // none yet
  }
  const passwords = Object.fromEntries(REDIS_ACL_USERS.map((u) => [u, randomBytes(24).toString('hex')]));
  mkdirSync(paths.dataDir, { recursive: true });
  writeFileSync(ACL_PASSWORDS, `${JSON.stringify(passwords, null, 2)}\n`, { mode: 0o600 });
  return passwords as Record<AclUser, string>;
}

/** Each app's REDIS_URL with REDIS_ACL=1: `baseUrl` with the app's user and dev password. */
export function redisAclUrls(baseUrl: string): Partial<Record<string, string>> {
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

function parseRedisUrl(url: string): RedisAddress {
  let u: URL;
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
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    tls: u.protocol === 'rediss:',
  };
}

/** redis://user:secret@host -> redis://user:***@host */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

type Ping = { ok: true } | { ok: false; error: string };

/**
 * PING (after AUTH when there are credentials). The timeout is generous because infra:up loads
 * kafkajs at the same moment, which can block the event loop for a second; a Redis that is
 * down answers ECONNREFUSED at once anyway.
 */
export async function pingRedis(target: string | RedisAddress, timeoutMs = 3000): Promise<Ping> {
  const cfg = typeof target === 'string' ? parseRedisUrl(target) : target;
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
  let cause: unknown;
  redis.on('error', (e) => (cause = e));
  try {
    await withTimeout(redis.connect(), timeoutMs, 'connect');
    const reply = await redis.ping();
    return reply === 'PONG' ? { ok: true } : { ok: false, error: `unexpected reply: ${reply}` };
  } catch (e) {
    const err = (cause ?? e) as NodeJS.ErrnoException;
    return { ok: false, error: err.code || errorText(err) };
  } finally {
    redis.disconnect();
  }
}

/** Why we cannot start a Redis at `cfg` ourselves, as the error to throw (null: we can). */
async function cannotStart(cfg: RedisAddress, url: string, error: string, acl: boolean, ours: boolean) {
  if (/NOAUTH|WRONGPASS|invalid password|NOPERM/i.test(error)) {
    return new UserError(`Redis at ${url} is running but rejected us: ${error}`, {
      hint: acl
        ? 'It has not the ACL users of REDIS_ACL=1 (or other passwords): `npm run infra:down`, then `REDIS_ACL=1 npm run infra:up`.'
        : /NOAUTH/.test(error) && ours
          ? "It runs with the apps' ACL users: set REDIS_ACL=1 too, or `npm run infra:down` and start it without."
          : 'Put the right credentials in REDIS_URL (redis://user:password@host:port).',
    });
  }
  if (!isLoopback(cfg.host) || cfg.tls) {
    return new UserError(
      `Redis at ${url} is not reachable (${error}) and it is not a local address I can start`,
      {
        hint: 'Start that Redis, or unset REDIS_URL to use a local one.',
      },
    );
  }
  if (await isPortOpen(cfg.host === 'localhost' ? '127.0.0.1' : cfg.host, cfg.port)) {
    return new UserError(`port ${cfg.port} is in use, but it does not answer Redis PING (${error})`, {
      hint: `Free port ${cfg.port} or point REDIS_URL at another port.`,
    });
  }
  if (!probeCommand('redis-server', ['--version'])) {
    return new UserError(`redis-server not found on PATH and no Redis is answering at ${url}`, {
      hint: 'Install it (Debian/Ubuntu: apt-get install -y redis-server) or set REDIS_URL to a running Redis.',
    });
  }
  return null;
}

/** redis-server daemonized on loopback (through redis-acl.sh with the ACL users). */
function startRedisServer(cfg: RedisAddress, acl: Record<AclUser, string> | null): void {
  mkdirSync(paths.redisData, { recursive: true });
  const bind = cfg.host === 'localhost' || cfg.host === '127.0.0.1' ? ['127.0.0.1', '-::1'] : [cfg.host];
  // Persist like compose does (AOF, fsync every second) into the git-ignored data folder:
  // accounts, sessions, recordings and room seqs survive a reboot or `infra:down`/`infra:up`.
  const args = [
    ...['--daemonize', 'yes', '--bind', ...bind, '--port', String(cfg.port)],
    ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'],
    ...['--dir', paths.redisData, '--logfile', paths.redisLog, '--pidfile', paths.redisPid],
  ];
  if (cfg.password && !cfg.username && !acl) args.push('--requirepass', cfg.password);
  log.info(
    `starting redis-server on ${cfg.host}:${cfg.port}${acl ? ' with one ACL user per app (REDIS_ACL)' : ''} (log: ${rel(paths.redisLog)})`,
  );
  const options = { cwd: paths.redisData, encoding: 'utf8', timeout: 15000 } as const;
  const r = acl
    ? spawnSync('sh', [ACL_SCRIPT, ...args], {
        ...options,
        env: {
          ...process.env,
          ...Object.fromEntries(REDIS_ACL_USERS.map((u) => [`REDIS_${u.toUpperCase()}_PASSWORD`, acl[u]])),
          REDIS_ACL_NAMESPACE: process.env.DANMAKU_NAMESPACE ?? '',
          REDIS_ACL_FILE: join(paths.redisData, 'users.acl'),
        },
      })
    : spawnSync('redis-server', args, options);
  if (r.status !== 0) {
    throw new UserError(
      `redis-server failed to start (exit ${r.status}): ${(r.stderr || r.stdout || '').trim()}`,
      {
        hint: tailFile(paths.redisLog, 15),
      },
    );
  }
}

/** Makes sure a Redis answers at `rawUrl`, starting a local one when none does. */
export async function ensureRedis(rawUrl: string): Promise<RedisState> {
  const cfg = parseRedisUrl(rawUrl);
  const url = redactUrl(rawUrl); // for messages and state.json
  const ourPid = readPidFile(paths.redisPid);
  const ours = isAlive(ourPid) && /redis-server/.test(cmdlineOf(ourPid)) ? ourPid : null;
  const acl = redisAclEnabled() ? devRedisPasswords() : null;
  // With the ACL users the default user is off: ask as one of them.
  const probe = acl ? { ...cfg, username: 'replay', password: acl.replay } : cfg;

  const first = await pingRedis(probe);
  if (first.ok) return { url, managed: Boolean(ours), startedNow: false, pid: ours, acl: Boolean(acl) };
  const refusal = await cannotStart(cfg, url, first.error, Boolean(acl), Boolean(ours));
  if (refusal) throw refusal;

  if (ourPid && !ours) rmSync(paths.redisPid, { force: true });
  startRedisServer(cfg, acl);
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
  let pid: number | null = null;
  for (let i = 0; i < 20 && !pid; i++) {
    pid = readPidFile(paths.redisPid);
    if (!pid) await sleep(50);
  }
  return { url, managed: true, startedNow: true, pid, acl: Boolean(acl) };
}
