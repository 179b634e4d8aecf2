#!/usr/bin/env node
// npm run infra:up — make sure Kafka + Redis are reachable and the topics exist.
//
//   KAFKA_BROKERS      default 127.0.0.1:9092   (reused if it answers, else a local KRaft broker is started)
//   REDIS_URL          default redis://127.0.0.1:6379 (reused if it answers PING, else redis-server is started)
//   DANMAKU_NAMESPACE  default ''  (prefix for topic names, via topicName() from @danmaku/contracts)
//   KAFKA_HEAP_OPTS    default '-Xms512m -Xmx1g';  KAFKA_OPTS: extra JVM flags
//   KAFKA_CONTROLLER_PORT  default 9093 (or broker port + 1 when the broker port is not 9092)
//   KAFKA_START_TIMEOUT_MS default 90000
//
// Flags: --no-topics (skip topic creation), --quiet (summary only).
//
// Everything it starts is detached (survives this process), recorded in
// .data/infra/state.json and pidfiles, and stopped by `npm run infra:down`.
// Programmatic use: `import { infraUp } from './tools/infra/up.mjs'`.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  createWriteStream,
} from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

import {
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
  probeCommand,
  readPidFile,
  runCli,
  sleep,
  tailFile,
  withDirLock,
} from './lib.mjs';

const log = logger('infra');
const rel = (p) => relative(ROOT, p) || '.';

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

// ---------------------------------------------------------------------------
// Small utilities

/** Kafka version pinned in tools/infra/kafka/pom.xml (single source of truth). */
export function pinnedKafkaVersion() {
  const pom = readFileSync(paths.kafkaPom, 'utf8');
  const m = pom.match(/<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/);
  if (!m) throw new Error(`cannot find <kafka.version> in ${rel(paths.kafkaPom)}`);
  return m[1];
}

function libsMarkerContent() {
  const pom = readFileSync(paths.kafkaPom);
  const hash = createHash('sha256').update(pom).digest('hex');
  return `kafka=${pinnedKafkaVersion()}\npom-sha256=${hash}\n`;
}

/** "h1:9092,h2:9093" -> [{host, port}] */
export function parseBrokers(str) {
  const list = String(str || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = s.match(/^(?:[a-z]+:\/\/)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/i);
      if (!m) throw new UserError(`KAFKA_BROKERS: cannot parse "${s}" (expected host:port[,host:port])`);
      return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2] || 9092) };
    });
  if (list.length === 0) throw new UserError('KAFKA_BROKERS is empty');
  return list;
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

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} timed out after ${ms}ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

function requireFromRoot(name) {
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

// ---------------------------------------------------------------------------
// Redis

/** Send PING (after AUTH if the URL has credentials). Resolves {ok, reply|error}. */
export function pingRedis(url, timeoutMs = 1000) {
  const cfg = typeof url === 'string' ? parseRedisUrl(url) : url;
  return new Promise((resolvePromise) => {
    const cmds = [];
    if (cfg.password) cmds.push(cfg.username ? ['AUTH', cfg.username, cfg.password] : ['AUTH', cfg.password]);
    cmds.push(['PING']);
    const payload = cmds
      .map((a) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`)
      .join('');
    const sock = cfg.tls
      ? tls.connect({ host: cfg.host, port: cfg.port, servername: cfg.host, rejectUnauthorized: false })
      : net.connect({ host: cfg.host, port: cfg.port });
    let buf = '';
    let settled = false;
    const done = (v) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolvePromise(v);
    };
    sock.setTimeout(timeoutMs, () => done({ ok: false, error: 'timeout' }));
    sock.once(cfg.tls ? 'secureConnect' : 'connect', () => sock.write(payload));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      if (!/^[-+$*:]/.test(buf)) {
        done({ ok: false, error: 'unexpected reply: this is not a Redis server' });
        return;
      }
      const lines = buf.split('\r\n').filter(Boolean);
      if (lines.length >= cmds.length) {
        const last = lines[cmds.length - 1];
        // Like ioredis: a password sent to a Redis that has none is only a warning.
        const authErr =
          cmds.length > 1 && lines[0].startsWith('-') && !/without any password configured/.test(lines[0])
            ? lines[0]
            : null;
        if (authErr) done({ ok: false, error: authErr.slice(1) });
        else if (last === '+PONG') done({ ok: true, reply: 'PONG' });
        else done({ ok: false, error: last.replace(/^[-+]/, '') });
      }
    });
    sock.once('error', (e) => done({ ok: false, error: e.code || e.message }));
    sock.once('close', () => done({ ok: false, error: 'connection closed' }));
  });
}

async function ensureRedis(rawUrl) {
  const cfg = parseRedisUrl(rawUrl);
  const redisUrl = redactUrl(rawUrl); // for messages and state.json
  const ourPid = readPidFile(paths.redisPid);
  const ours = ourPid && isAlive(ourPid) && /redis-server/.test(cmdlineOf(ourPid)) ? ourPid : null;

  const first = await pingRedis(cfg);
  if (first.ok) {
    return { url: redisUrl, managed: Boolean(ours), startedNow: false, pid: ours };
  }
  if (/NOAUTH|WRONGPASS|invalid password|NOPERM/i.test(first.error || '')) {
    throw new UserError(`Redis at ${redisUrl} is running but rejected us: ${first.error}`, {
      hint: 'Put the right credentials in REDIS_URL (redis://user:password@host:port).',
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
  if (cfg.password && !cfg.username) args.push('--requirepass', cfg.password);
  log.info(`starting redis-server on ${cfg.host}:${cfg.port} (log: ${rel(paths.redisLog)})`);
  const r = spawnSync('redis-server', args, { cwd: paths.redisData, encoding: 'utf8', timeout: 15000 });
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
    const p = await pingRedis(cfg);
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
  return { url: redisUrl, managed: true, startedNow: true, pid };
}

// ---------------------------------------------------------------------------
// Kafka: probe

let kafkajsCache;
function kafkajs() {
  kafkajsCache ??= requireFromRoot('kafkajs');
  return kafkajsCache;
}

/**
 * Real Kafka metadata round trip (kafkajs admin.describeCluster).
 * Resolves {ok:true, clusterId, brokers, controller} or {ok:false, error}.
 */
export async function probeKafka(brokers, { timeoutMs = 2500 } = {}) {
  const { Kafka, logLevel } = kafkajs();
  const kafka = new Kafka({
    clientId: 'danmaku-infra-probe',
    brokers: Array.isArray(brokers) ? brokers : String(brokers).split(','),
    connectionTimeout: Math.min(1000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    const d = await withTimeout(
      (async () => {
        await admin.connect();
        return admin.describeCluster();
      })(),
      timeoutMs + 500,
      'metadata request',
    );
    return { ok: true, clusterId: d.clusterId, brokers: d.brokers, controller: d.controller };
  } catch (e) {
    return { ok: false, error: e?.message || String(e) };
  } finally {
    admin.disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// Kafka: jars

function checkJava() {
  const out = probeCommand('java', ['-version']);
  if (out == null) {
    throw new UserError('java not found on PATH (needed to run the local Kafka broker)', {
      hint: 'Install a JDK/JRE 17 (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless), or point KAFKA_BROKERS at a running broker.',
    });
  }
  const m = out.match(/version "(\d+)(?:\.(\d+))?/);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (major && major < 11) {
    throw new UserError(`Kafka ${pinnedKafkaVersion()} needs Java 11+ (17 recommended); found Java ${major}`);
  }
  return major;
}

/** Fetch the broker jars into .cache/kafka/libs unless the marker says they're already there. */
export async function ensureKafkaLibs() {
  const expected = libsMarkerContent();
  const version = pinnedKafkaVersion();
  if (existsSync(paths.kafkaLibsMarker) && readFileSync(paths.kafkaLibsMarker, 'utf8') === expected) {
    return { downloaded: false, version };
  }
  if (probeCommand('mvn', ['-v']) == null) {
    throw new UserError(
      'mvn (Apache Maven) not found on PATH; it is needed once to fetch the Kafka broker jars',
      {
        hint: 'Install it (Debian/Ubuntu: apt-get install -y maven), or point KAFKA_BROKERS at a running broker.',
      },
    );
  }
  const t0 = Date.now();
  const partial = `${paths.kafkaLibs}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dirname(paths.kafkaLibs), { recursive: true });
  log.info(`fetching Apache Kafka ${version} jars with Maven (first run only) → ${rel(paths.kafkaLibs)}`);
  log.info(c.dim(`  full Maven output: ${rel(paths.kafkaMvnLog)}`));

  const mvnLog = createWriteStream(paths.kafkaMvnLog);
  const args = [
    '-B',
    '-Dstyle.color=never',
    '-f',
    paths.kafkaPom,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${partial}`,
  ];
  const code = await new Promise((resolvePromise, reject) => {
    const child = spawn('mvn', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let downloaded = 0;
    let lastLine = '';
    const onData = (d) => {
      mvnLog.write(d);
      for (const line of d.toString('utf8').split('\n')) {
        if (/Downloaded from /.test(line)) downloaded++;
        if (line.trim()) lastLine = line.trim();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const tty = process.stdout.isTTY;
    const timer = setInterval(
      () => {
        const msg = `  … ${fmtSecs(Date.now() - t0)}, ${downloaded} artifacts downloaded`;
        if (tty) process.stdout.write(`\r${log.prefix} ${msg}   `);
        else log.info(msg);
      },
      tty ? 1000 : 5000,
    );
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('exit', (exitCode) => {
      clearInterval(timer);
      if (tty) process.stdout.write('\r\x1b[K');
      if (exitCode !== 0) log.error(`mvn: ${lastLine}`);
      resolvePromise(exitCode ?? 1);
    });
  });
  await new Promise((r) => mvnLog.end(r));
  if (code !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new UserError(`Maven failed to fetch the Kafka jars (exit ${code})`, {
      hint: `Last lines of ${rel(paths.kafkaMvnLog)}:\n${tailFile(paths.kafkaMvnLog, 25)}`,
    });
  }
  const jars = readdirSync(partial).filter((f) => f.endsWith('.jar'));
  if (!jars.some((f) => f.startsWith(`kafka_2.13-${version}`))) {
    throw new UserError(`Maven finished but kafka_2.13-${version}.jar is missing from ${rel(partial)}`);
  }
  rmSync(paths.kafkaLibs, { recursive: true, force: true });
  renameSync(partial, paths.kafkaLibs);
  writeFileSync(paths.kafkaLibsMarker, expected);
  const mb = jars.reduce((s, f) => s + statSync(join(paths.kafkaLibs, f)).size, 0) / 1e6;
  log.ok(`fetched ${jars.length} jars (${mb.toFixed(0)} MB) in ${fmtSecs(Date.now() - t0)}`);
  return { downloaded: true, version, ms: Date.now() - t0 };
}

// ---------------------------------------------------------------------------
// Kafka: config, format, start

function kafkaPorts(broker) {
  const controllerPort = Number(
    process.env.KAFKA_CONTROLLER_PORT || (broker.port === 9092 ? 9093 : broker.port + 1),
  );
  return { brokerPort: broker.port, controllerPort };
}

function listenHost(host) {
  if (host === 'localhost') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function serverProperties({ host, brokerPort, controllerPort }) {
  const h = listenHost(host);
  return `# Generated by tools/infra/up.mjs on every start — edits are overwritten.
# Single-node KRaft broker+controller for local development and CI.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${h}:${controllerPort}
listeners=PLAINTEXT://${h}:${brokerPort},CONTROLLER://${h}:${controllerPort}
advertised.listeners=PLAINTEXT://${h}:${brokerPort}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=${paths.kafkaLogDirs}

# Topics are created explicitly (tools/infra/create-topics.ts), never implicitly.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=6
default.replication.factor=1
min.insync.replicas=1

# Internal topics: single replica, fewer partitions so first start is quick.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10

# Consumers join immediately (no 3s wait for more members).
group.initial.rebalance.delay.ms=0
# Groups may fail over fast: moderation's decide group uses a 2 s session timeout
# (MODERATION_GROUP_SESSION_TIMEOUT_MS), below the broker's default floor of 6 s.
group.min.session.timeout.ms=1000

# Threads sized for a small (2-core) machine.
num.network.threads=3
num.io.threads=4
num.recovery.threads.per.data.dir=2

# Retention: a week, and at most 1 GiB per partition; 64 MiB segments.
log.retention.hours=168
log.retention.bytes=1073741824
log.segment.bytes=67108864
log.retention.check.interval.ms=300000
`;
}

const LOG4J = `# Generated by tools/infra/up.mjs. The broker's stdout/stderr go to server.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.storage.internals.log.LogCleaner=WARN
`;

function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function javaBaseArgs() {
  const heap = (process.env.KAFKA_HEAP_OPTS || '-Xms512m -Xmx1g').split(/\s+/).filter(Boolean);
  const extra = (process.env.KAFKA_OPTS || '').split(/\s+/).filter(Boolean);
  return [
    ...heap,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=${pathToFileURL(paths.kafkaLog4j).href}`,
    `-Dkafka.logs.dir=${paths.kafkaData}`,
    ...extra,
    '-cp',
    join(paths.kafkaLibs, '*'),
  ];
}

function formatStorageIfNeeded() {
  const meta = join(paths.kafkaLogDirs, 'meta.properties');
  if (existsSync(meta)) return false;
  mkdirSync(paths.kafkaLogDirs, { recursive: true });
  const clusterId = newClusterId();
  log.info(`formatting Kafka storage in ${rel(paths.kafkaLogDirs)} (cluster id ${clusterId})`);
  const r = spawnSync(
    'java',
    [
      '-Xmx256m',
      `-Dlog4j.configuration=${pathToFileURL(paths.kafkaLog4j).href}`,
      '-cp',
      join(paths.kafkaLibs, '*'),
      'kafka.tools.StorageTool',
      'format',
      '--ignore-formatted',
      '-t',
      clusterId,
      '-c',
      paths.kafkaConfig,
    ],
    { cwd: paths.kafkaData, encoding: 'utf8', timeout: 120000 },
  );
  if (r.status !== 0) {
    throw new UserError(`kafka StorageTool format failed (exit ${r.status})`, {
      hint: `${r.stdout || ''}${r.stderr || ''}`.trim().split('\n').slice(-20).join('\n'),
    });
  }
  return true;
}

/** host:port of the PLAINTEXT listener in the generated server.properties (null if none). */
function runningBrokerAddress() {
  try {
    const m = readFileSync(paths.kafkaConfig, 'utf8').match(/^advertised\.listeners=PLAINTEXT:\/\/(.+)$/m);
    return m ? m[1].trim() : null;
  } catch {
    return null;
  }
}

function ourKafkaPid() {
  const pid = readPidFile(paths.kafkaPid);
  if (!pid || !isAlive(pid)) return null;
  const cmd = cmdlineOf(pid);
  return cmd.includes('kafka.Kafka') ? pid : null;
}

async function waitForKafka(brokers, pid, { timeoutMs }) {
  const t0 = Date.now();
  log.write(`${log.prefix} waiting for Kafka at ${brokers} `);
  let last = { ok: false, error: 'not probed yet' };
  let lastDot = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (pid && !isAlive(pid)) {
      log.write('\n');
      throw new UserError(`the Kafka broker (pid ${pid}) exited during startup`, {
        hint:
          `Last lines of ${rel(paths.kafkaLog)}:\n${tailFile(paths.kafkaLog, 30)}\n` +
          'If its data is damaged or from another cluster: `npm run infra:down -- --wipe`, then retry.',
      });
    }
    last = await probeKafka(brokers, { timeoutMs: 1500 });
    if (last.ok) {
      log.write(` ${c.green('ready')} (${fmtSecs(Date.now() - t0)})\n`);
      return last;
    }
    if (Date.now() - lastDot >= 1000) {
      log.write('.');
      lastDot = Date.now();
    }
    await sleep(250);
  }
  log.write('\n');
  throw new UserError(
    `Kafka did not answer a metadata request at ${brokers} within ${fmtSecs(timeoutMs)} (last error: ${last.error})`,
    {
      hint:
        `See ${rel(paths.kafkaLog)} — last lines:\n${tailFile(paths.kafkaLog, 30)}\n` +
        (pid ? `The broker (pid ${pid}) is left running; \`npm run infra:down\` stops it. ` : '') +
        'Slow machine? Raise KAFKA_START_TIMEOUT_MS.',
    },
  );
}

async function ensureKafka(brokersStr) {
  const brokers = parseBrokers(brokersStr);
  const bootstrap = brokers.map((b) => `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`);
  const timeoutMs = Number(process.env.KAFKA_START_TIMEOUT_MS || 90000);
  const version = pinnedKafkaVersion();

  const ours = ourKafkaPid();
  const first = await probeKafka(bootstrap, { timeoutMs: 2000 });
  if (first.ok) {
    return {
      brokers: brokersStr,
      managed: Boolean(ours),
      startedNow: false,
      pid: ours,
      clusterId: first.clusterId,
    };
  }

  if (ours) {
    const running = runningBrokerAddress();
    const wantedAddr = `${listenHost(brokers[0].host)}:${brokers[0].port}`;
    if (running && running !== wantedAddr) {
      throw new UserError(
        `the broker started by infra:up (pid ${ours}) listens on ${running}, but KAFKA_BROKERS is ${brokersStr}`,
        {
          hint: 'Use the same KAFKA_BROKERS, or stop it first with `npm run infra:down` (one managed broker per checkout).',
        },
      );
    }
    // Our broker is alive but not (yet) answering: probably still starting up.
    log.info(`Kafka started earlier by infra:up (pid ${ours}) is not answering yet; waiting for it`);
    const ready = await waitForKafka(bootstrap.join(','), ours, { timeoutMs });
    return { brokers: brokersStr, managed: true, startedNow: false, pid: ours, clusterId: ready.clusterId };
  }

  const target = brokers[0];
  if (brokers.length > 1 || !isLoopback(target.host)) {
    throw new UserError(`no Kafka broker answers at ${brokersStr} (${first.error})`, {
      hint: 'I only start a broker for a single local address (e.g. 127.0.0.1:9092). Start yours, or unset KAFKA_BROKERS.',
    });
  }
  const { brokerPort, controllerPort } = kafkaPorts(target);
  const probeHost = target.host === 'localhost' ? '127.0.0.1' : target.host;
  for (const [what, port] of [
    ['broker', brokerPort],
    ['controller', controllerPort],
  ]) {
    if (await isPortOpen(probeHost, port)) {
      throw new UserError(
        `port ${port} (Kafka ${what}) is already in use by something that is not a working Kafka broker` +
          (what === 'broker' ? ` (${first.error})` : ''),
        {
          hint: `Free the port, or choose others: KAFKA_BROKERS=127.0.0.1:<port> / KAFKA_CONTROLLER_PORT=<port>.`,
        },
      );
    }
  }

  const javaMajor = checkJava();
  const libs = await ensureKafkaLibs();

  mkdirSync(paths.kafkaData, { recursive: true });
  writeFileSync(paths.kafkaConfig, serverProperties({ host: target.host, brokerPort, controllerPort }));
  writeFileSync(paths.kafkaLog4j, LOG4J);
  const formatted = formatStorageIfNeeded();

  if (existsSync(paths.kafkaLog)) renameSync(paths.kafkaLog, `${paths.kafkaLog}.1`);
  const out = openSync(paths.kafkaLog, 'a');
  const t0 = Date.now();
  log.info(
    `starting Kafka ${version} (KRaft, Java ${javaMajor}) on ${listenHost(target.host)}:${brokerPort}` +
      ` (controller :${controllerPort}; log: ${rel(paths.kafkaLog)})`,
  );
  const child = spawn('java', [...javaBaseArgs(), 'kafka.Kafka', paths.kafkaConfig], {
    cwd: paths.kafkaData,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const spawnError = await new Promise((r) => {
    child.once('error', r);
    child.once('spawn', () => r(null));
  });
  if (spawnError) throw new UserError(`could not start java: ${spawnError.message}`);
  child.unref();
  writeFileSync(paths.kafkaPid, `${child.pid}\n`);

  const ready = await waitForKafka(bootstrap.join(','), child.pid, { timeoutMs });
  return {
    brokers: brokersStr,
    managed: true,
    startedNow: true,
    pid: child.pid,
    clusterId: ready.clusterId,
    version,
    downloadedJars: libs.downloaded,
    formattedStorage: formatted,
    startMs: Date.now() - t0,
  };
}

// ---------------------------------------------------------------------------
// Topics (delegated to create-topics.ts, which imports the registry from @danmaku/contracts)

async function ensureTopics({ brokers, namespace, quiet }) {
  const tsx = localBin('tsx');
  if (!tsx) {
    throw new UserError(
      'tsx is not installed (node_modules/.bin/tsx missing); cannot load the topic registry',
      {
        hint: 'Run `npm ci` first.',
      },
    );
  }
  const outFile = join(paths.dataDir, 'infra', 'topics.json');
  rmSync(outFile, { force: true });
  const args = [
    '--tsconfig',
    join(ROOT, 'tools', 'infra', 'tsconfig.json'),
    join(ROOT, 'tools', 'infra', 'create-topics.ts'),
    '--json-out',
    outFile,
  ];
  if (quiet) args.push('--quiet');
  const code = await new Promise((resolvePromise, reject) => {
    const child = spawn(tsx, args, {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, KAFKA_BROKERS: brokers, DANMAKU_NAMESPACE: namespace },
    });
    child.on('error', reject);
    child.on('exit', (exitCode) => resolvePromise(exitCode ?? 1));
  });
  if (code !== 0) throw new UserError(`topic creation failed (tools/infra/create-topics.ts exited ${code})`);
  return JSON.parse(readFileSync(outFile, 'utf8'));
}

// ---------------------------------------------------------------------------
// Main

/**
 * Ensure Kafka + Redis are up and topics exist. Safe to call repeatedly.
 * @param {{ topics?: boolean, quiet?: boolean }} [opts]
 * @returns {Promise<object>} the state written to .data/infra/state.json
 */
export async function infraUp({ topics = true, quiet = false } = {}) {
  const t0 = Date.now();
  const kafkaBrokers = process.env.KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const namespace = process.env.DANMAKU_NAMESPACE || '';

  const lockDir = join(paths.dataDir, 'infra', 'up.lock');
  const onWait = (pid) => log.info(`another infra:up/down is running (pid ${pid ?? '?'}); waiting for it…`);
  return withDirLock(
    lockDir,
    async () => {
      // In parallel; wait for both even if one fails, so nothing is left half-started in the background.
      const settled = await Promise.allSettled([ensureRedis(redisUrl), ensureKafka(kafkaBrokers)]);
      const failed = settled.filter((s) => s.status === 'rejected');
      if (failed.length > 1) log.error(failed[1].reason?.message ?? String(failed[1].reason));
      if (failed.length > 0) throw failed[0].reason;
      const [redis, kafka] = settled.map((s) => s.value);
      const topicResult = topics ? await ensureTopics({ brokers: kafkaBrokers, namespace, quiet }) : null;

      const state = {
        updatedAt: new Date().toISOString(),
        namespace,
        kafka: {
          ...kafka,
          version: kafka.managed ? pinnedKafkaVersion() : undefined,
          config: kafka.managed ? rel(paths.kafkaConfig) : undefined,
          log: kafka.managed ? rel(paths.kafkaLog) : undefined,
          pidFile: kafka.managed ? rel(paths.kafkaPid) : undefined,
        },
        redis: {
          ...redis,
          log: redis.managed ? rel(paths.redisLog) : undefined,
          pidFile: redis.managed ? rel(paths.redisPid) : undefined,
        },
        topics: topicResult?.topics ?? null,
      };
      mkdirSync(dirname(paths.infraState), { recursive: true });
      writeFileSync(paths.infraState, `${JSON.stringify(state, null, 2)}\n`);

      const how = (x) =>
        x.startedNow
          ? c.green(`started (pid ${x.pid})`)
          : x.managed
            ? `reused (started earlier by infra:up, pid ${x.pid})`
            : 'reused (already running, not managed by infra:up)';
      const kafkaExtra = kafka.startedNow
        ? c.dim(
            ` — Kafka ${pinnedKafkaVersion()}, ready in ${fmtSecs(kafka.startMs)}${kafka.downloadedJars ? ', jars downloaded' : ''}`,
          )
        : '';
      log.info(`${c.bold('Kafka ')} ${kafkaBrokers}  ${how(kafka)}${kafkaExtra}`);
      log.info(`${c.bold('Redis ')} ${redis.url}  ${how(redis)}`);
      if (topicResult) {
        const count = (action) => topicResult.topics.filter((t) => t.action === action).length;
        const parts = [
          [count('created'), 'created'],
          [count('partitions-increased'), 'grown'],
          [count('retention-updated'), 'retention updated'],
          [count('ok'), 'already ok'],
        ].filter(([n], i) => n > 0 || i === 0 || i === 3);
        log.info(
          `${c.bold('Topics')} ${topicResult.topics.length} ensured` +
            ` (${parts.map(([n, what]) => `${n} ${what}`).join(', ')})` +
            (namespace ? ` in namespace "${namespace}"` : ''),
        );
      } else {
        log.info(`${c.bold('Topics')} skipped (--no-topics)`);
      }
      log.ok(
        `infra ready in ${fmtSecs(Date.now() - t0)}` +
          c.dim(`  (state: ${rel(paths.infraState)}; stop with: npm run infra:down)`),
      );
      return state;
    },
    { onWait },
  );
}

if (isMain(import.meta.url)) {
  runCli('infra', async () => {
    const argv = process.argv.slice(2);
    const unknown = argv.filter((a) => !['--no-topics', '--quiet', '--skip-deps'].includes(a));
    if (unknown.length)
      throw new UserError(
        `unknown argument(s): ${unknown.join(' ')}  (known: --no-topics --quiet --skip-deps)`,
      );
    if (!argv.includes('--skip-deps')) {
      const { ensureDeps } = await import('../scripts/ensure-deps.mjs');
      await ensureDeps();
    }
    await infraUp({ topics: !argv.includes('--no-topics'), quiet: argv.includes('--quiet') });
    return 0;
  });
}
