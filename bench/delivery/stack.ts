/**
 * The two systems under test, on free ports, in one fresh namespace on the shared Kafka
 * and Redis:
 *   ours     — auth, moderation, replay and two gateway instances from dist/apps;
 *   baseline — two plain Socket.IO servers joined by the Redis adapter (baseline-server.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { httpReady, messageReady, withHeapPolicy } from '@danmaku/process';
import { APP_PORT_VAR, freePort, type AppName } from '@danmaku/testing';
import { profileFlags } from './profile';
import { findPids, forkTs, ROOT, spawnNode, track, type Tracked } from './procs';

export interface Infra {
  kafkaBrokers: string;
  redisUrl: string;
}

/**
 * Brings Kafka and Redis up when they are not (tools/infra/up.mjs, as `npm run infra:up`) and
 * creates the namespace's topics (DANMAKU_NAMESPACE); returns where they are.
 */
export async function bringInfraUp(namespace: string): Promise<Infra> {
  process.env['DANMAKU_NAMESPACE'] = namespace;
  const infraMod = (await import(pathToFileURL(join(ROOT, 'tools', 'infra', 'up.mjs')).href)) as {
    infraUp(o: { quiet: boolean }): Promise<unknown>;
  };
  await infraMod.infraUp({ quiet: true });
  return {
    kafkaBrokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  };
}

export interface OurStack {
  authUrl: string;
  gateways: string[];
  /** Each gateway's metrics listener, in the order of `gateways`. */
  gatewayMetrics: string[];
  procs: Tracked[];
}

export interface BaselineStack {
  servers: string[];
  procs: Tracked[];
}

async function startApp(
  dist: string,
  app: AppName,
  name: string,
  port: number,
  env: NodeJS.ProcessEnv,
  profileDir?: string,
  metricsPort?: number,
): Promise<Tracked> {
  const main = join(dist, 'apps', app, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build first`);
  const flags = profileDir ? profileFlags(profileDir, name) : [];
  const metrics = { METRICS_PORT: String(metricsPort ?? (await freePort())) };
  // The apps run with the heap policy `npm start` and compose give them.
  const appEnv = withHeapPolicy(app, { ...env, [APP_PORT_VAR[app]]: String(port), ...metrics });
  const t = spawnNode(name, 'ours', main, appEnv, flags);
  await t.proc?.waitReady(httpReady(`http://127.0.0.1:${port}/readyz`), {
    timeoutMs: 90_000,
    intervalMs: 250,
  });
  return t;
}

/** Starts auth, moderation, replay and the gateways; with profileDir, moderation and gateways run under --cpu-prof. */
export async function startOurStack(
  namespace: string,
  infra: Infra,
  gateways: number,
  dist: string,
  profileDir?: string,
): Promise<OurStack> {
  const authPort = await freePort();
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    DANMAKU_NAMESPACE: namespace,
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
    LOG_LEVEL: 'warn',
    AUTH_JWKS_URL: `http://127.0.0.1:${authPort}/.well-known/jwks.json`,
  };
  const auth = await startApp(dist, 'auth', 'auth', authPort, {
    ...common,
    // One token per bench user for the whole run, and many bench users from one address.
    ACCESS_TOKEN_TTL_SEC: '14400',
    REGISTER_MAX_PER_IP: '100000',
  });
  const ports = await Promise.all(Array.from({ length: gateways + 2 }, () => freePort()));
  const metricsPorts = await Promise.all(Array.from({ length: gateways }, () => freePort()));
  const [moderation, replay, ...gws] = await Promise.all([
    // Flood control stays on (its Redis work is part of our cost) with a limit the bench's
    // few sender accounts never reach; a real hot room has thousands of distinct senders.
    startApp(
      dist,
      'moderation',
      'moderation',
      ports[0],
      { ...common, MODERATION_FLOOD_MAX: '100000000' },
      profileDir,
    ),
    startApp(dist, 'replay', 'replay', ports[1], common),
    ...Array.from({ length: gateways }, (_, i) =>
      startApp(
        dist,
        'gateway',
        `gateway-${i + 1}`,
        ports[2 + i],
        {
          ...common,
          INSTANCE_ID: `gw${i + 1}-${namespace}`,
          // The bench's senders are a few accounts standing in for thousands of viewers.
          GATEWAY_SEND_RATE_LIMIT: '1000000000',
          // Tens of thousands of viewers come from a handful of loopback addresses here.
          GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: '1000000',
        },
        profileDir,
        metricsPorts[i],
      ),
    ),
  ]);
  return {
    authUrl: `http://127.0.0.1:${authPort}`,
    gateways: ports.slice(2).map((p) => `http://127.0.0.1:${p}`),
    gatewayMetrics: metricsPorts.map((p) => `http://127.0.0.1:${p}`),
    procs: [auth, moderation, replay, ...gws],
  };
}

export async function startBaseline(
  namespace: string,
  infra: Infra,
  servers: number,
  profileDir?: string,
): Promise<BaselineStack> {
  const procs: Tracked[] = [];
  const urls: string[] = [];
  for (let i = 0; i < servers; i++) {
    const port = await freePort();
    const t = forkTs(
      `baseline-${i + 1}`,
      'baseline',
      'baseline-server.ts',
      {
        ...process.env,
        BASELINE_PORT: String(port),
        REDIS_URL: infra.redisUrl,
        BASELINE_KEY: `${namespace}:baseline`,
      },
      profileDir ? profileFlags(profileDir, `baseline-${i + 1}`) : [],
    );
    // baseline-server.ts sends one message once it listens.
    await t.proc?.waitReady(messageReady(), { timeoutMs: 30_000, intervalMs: 50 });
    procs.push(t);
    urls.push(`http://127.0.0.1:${port}`);
  }
  return { servers: urls, procs };
}

/** Tracks the shared infrastructure processes (Kafka JVM, redis-server) for CPU/RSS. */
export function trackInfra(infra: Infra): string[] {
  const notes: string[] = [];
  let kafkaPid: number | undefined;
  try {
    const state = JSON.parse(readFileSync(join(ROOT, '.data', 'infra', 'state.json'), 'utf8')) as {
      kafka?: { pid?: number | null };
    };
    if (state.kafka?.pid && existsSync(`/proc/${state.kafka.pid}`)) kafkaPid = state.kafka.pid;
  } catch {
    // no state file: look it up below
  }
  kafkaPid ??= findPids((cmd) => cmd.includes('kafka.Kafka'))[0];
  if (kafkaPid) track('kafka', kafkaPid, 'infra');
  else notes.push('Kafka JVM not found on this machine: its CPU is not counted');
  const redisPort = new URL(infra.redisUrl).port || '6379';
  const redisPid = findPids((cmd) => cmd.startsWith('redis-server') && cmd.includes(`:${redisPort}`))[0];
  if (redisPid) track('redis', redisPid, 'infra');
  else notes.push('redis-server not found on this machine: its CPU is not counted');
  return notes;
}
