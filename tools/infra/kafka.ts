// Kafka for infra:up: reuse the broker at KAFKA_BROKERS when it answers a metadata request,
// else start a local single-node KRaft broker (detached, pidfile) that infra:down stops.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Kafka, logLevel } from 'kafkajs';

import { UserError, c, errorText, fmtSecs, logger, paths, rel, sleep, withTimeout } from './cli';
import {
  LOG4J,
  brokerJavaArgs,
  javaClasspathArgs,
  kafkaPorts,
  listenHost,
  serverProperties,
  type BrokerAddress,
} from './kafka-config';
import { checkJava, ensureKafkaLibs, pinnedKafkaVersion } from './kafka-jars';
import { cmdlineOf, isAlive, isLoopback, isPortOpen, readPidFile, tailFile } from './processes';

const log = logger('infra');

export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';

export interface KafkaState {
  brokers: string;
  /** Started by infra:up (now or earlier): infra:down stops it. */
  managed: boolean;
  startedNow: boolean;
  pid: number | null;
  clusterId: string;
  downloadedJars?: boolean;
  formattedStorage?: boolean;
  startMs?: number;
}

/** "h1:9092,h2:9093" -> [{host, port}] */
export function parseBrokers(str: string): BrokerAddress[] {
  const list = str
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

type Probe = { ok: true; clusterId: string } | { ok: false; error: string };

/** A real metadata round trip (kafkajs admin.describeCluster). */
export async function probeKafka(brokers: string[], timeoutMs = 2500): Promise<Probe> {
  const kafka = new Kafka({
    clientId: 'danmaku-infra-probe',
    brokers,
    connectionTimeout: Math.min(1000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    const connected = admin.connect().then(() => admin.describeCluster());
    const d = await withTimeout(connected, timeoutMs + 500, 'metadata request');
    return { ok: true, clusterId: d.clusterId };
  } catch (e) {
    return { ok: false, error: errorText(e) };
  } finally {
    admin.disconnect().catch(() => undefined);
  }
}

function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Formats .data/kafka/data once (KRaft needs a cluster id); true when it did. */
function formatStorageIfNeeded(): boolean {
  if (existsSync(join(paths.kafkaLogDirs, 'meta.properties'))) return false;
  mkdirSync(paths.kafkaLogDirs, { recursive: true });
  const clusterId = newClusterId();
  log.info(`formatting Kafka storage in ${rel(paths.kafkaLogDirs)} (cluster id ${clusterId})`);
  const args = ['format', '--ignore-formatted', '-t', clusterId, '-c', paths.kafkaConfig];
  const r = spawnSync('java', ['-Xmx256m', ...javaClasspathArgs(), 'kafka.tools.StorageTool', ...args], {
    cwd: paths.kafkaData,
    encoding: 'utf8',
    timeout: 120000,
  });
  if (r.status !== 0) {
    throw new UserError(`kafka StorageTool format failed (exit ${r.status})`, {
      hint: `${r.stdout || ''}${r.stderr || ''}`.trim().split('\n').slice(-20).join('\n'),
    });
  }
  return true;
}

/** host:port of the PLAINTEXT listener in the generated server.properties (null if none). */
function runningBrokerAddress(): string | null {
  try {
    const m = readFileSync(paths.kafkaConfig, 'utf8').match(/^advertised\.listeners=PLAINTEXT:\/\/(.+)$/m);
    return m ? m[1].trim() : null;
  } catch {
    return null;
  }
}

function ourKafkaPid(): number | null {
  const pid = readPidFile(paths.kafkaPid);
  return isAlive(pid) && cmdlineOf(pid).includes('kafka.Kafka') ? pid : null;
}

async function waitForKafka(brokers: string[], pid: number, timeoutMs: number): Promise<string> {
  const t0 = Date.now();
  log.write(`${log.prefix} waiting for Kafka at ${brokers.join(',')} `);
  let last: Probe = { ok: false, error: 'not probed yet' };
  let lastDot = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (!isAlive(pid)) {
      log.write('\n');
      throw new UserError(`the Kafka broker (pid ${pid}) exited during startup`, {
        hint:
          `Last lines of ${rel(paths.kafkaLog)}:\n${tailFile(paths.kafkaLog, 30)}\n` +
          'If its data is damaged or from another cluster: `npm run infra:down -- --wipe`, then retry.',
      });
    }
    last = await probeKafka(brokers, 1500);
    if (last.ok) {
      log.write(` ${c.green('ready')} (${fmtSecs(Date.now() - t0)})\n`);
      return last.clusterId;
    }
    if (Date.now() - lastDot >= 1000) {
      log.write('.');
      lastDot = Date.now();
    }
    await sleep(250);
  }
  log.write('\n');
  throw new UserError(
    `Kafka did not answer a metadata request at ${brokers.join(',')} within ${fmtSecs(timeoutMs)} (last error: ${last.error})`,
    {
      hint:
        `See ${rel(paths.kafkaLog)} — last lines:\n${tailFile(paths.kafkaLog, 30)}\n` +
        `The broker (pid ${pid}) is left running; \`npm run infra:down\` stops it. ` +
        'Slow machine? Raise KAFKA_START_TIMEOUT_MS.',
    },
  );
}

/** Starts the broker detached (log in .data/kafka/server.log) and records its pid. */
async function spawnBroker(): Promise<number> {
  if (existsSync(paths.kafkaLog)) renameSync(paths.kafkaLog, `${paths.kafkaLog}.1`);
  const out = openSync(paths.kafkaLog, 'a');
  const child = spawn('java', [...brokerJavaArgs(), 'kafka.Kafka', paths.kafkaConfig], {
    cwd: paths.kafkaData,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const spawnError = await new Promise<Error | null>((r) => {
    child.once('error', r);
    child.once('spawn', () => r(null));
  });
  if (spawnError || child.pid === undefined)
    throw new UserError(`could not start java: ${spawnError?.message ?? 'no pid'}`);
  child.unref();
  writeFileSync(paths.kafkaPid, `${child.pid}\n`);
  return child.pid;
}

/** Makes sure a broker answers at `brokersStr`, starting a local one when none does. */
export async function ensureKafka(brokersStr: string): Promise<KafkaState> {
  const brokers = parseBrokers(brokersStr);
  const bootstrap = brokers.map((b) => `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`);
  const timeoutMs = Number(process.env.KAFKA_START_TIMEOUT_MS || 90000);

  const ours = ourKafkaPid();
  const first = await probeKafka(bootstrap, 2000);
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
    if (running && running !== `${listenHost(brokers[0].host)}:${brokers[0].port}`) {
      throw new UserError(
        `the broker started by infra:up (pid ${ours}) listens on ${running}, but KAFKA_BROKERS is ${brokersStr}`,
        {
          hint: 'Use the same KAFKA_BROKERS, or stop it first with `npm run infra:down` (one managed broker per checkout).',
        },
      );
    }
    // Our broker is alive but not (yet) answering: probably still starting up.
    log.info(`Kafka started earlier by infra:up (pid ${ours}) is not answering yet; waiting for it`);
    const clusterId = await waitForKafka(bootstrap, ours, timeoutMs);
    return { brokers: brokersStr, managed: true, startedNow: false, pid: ours, clusterId };
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
  ] as const) {
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

  const t0 = Date.now();
  log.info(
    `starting Kafka ${pinnedKafkaVersion()} (KRaft, Java ${javaMajor}) on ${listenHost(target.host)}:${brokerPort}` +
      ` (controller :${controllerPort}; log: ${rel(paths.kafkaLog)})`,
  );
  const pid = await spawnBroker();
  const clusterId = await waitForKafka(bootstrap, pid, timeoutMs);
  return {
    brokers: brokersStr,
    managed: true,
    startedNow: true,
    pid,
    clusterId,
    downloadedJars: libs.downloaded,
    formattedStorage: formatted,
    startMs: Date.now() - t0,
  };
}
