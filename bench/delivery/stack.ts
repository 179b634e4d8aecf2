/**
 * The two systems under test, on free ports, in one fresh namespace on the shared Kafka
 * and Redis:
 *   ours     — auth, moderation, replay and two gateway instances from dist/apps;
 *   baseline — two plain Socket.IO servers joined by the Redis adapter (baseline-server.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@danmaku/testing';
import { profileFlags } from './profile';
import { findPids, forkTs, isRunning, ROOT, spawnNode, track, type Tracked } from './procs';

export interface Infra {
  kafkaBrokers: string;
  redisUrl: string;
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

async function waitReady(t: Tracked, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isRunning(t)) throw new Error(`${t.name} exited during start:\n${t.tail.slice(-20).join('\n')}`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${t.name} not ready after ${timeoutMs} ms:\n${t.tail.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function startApp(
  dist: string,
  app: 'auth' | 'moderation' | 'replay' | 'gateway',
  name: string,
  port: number,
  env: NodeJS.ProcessEnv,
  profileDir?: string,
  metricsPort?: number,
): Promise<Tracked> {
  const main = join(dist, 'apps', app, 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build first`);
  const portVar = {
    auth: 'AUTH_PORT',
    moderation: 'MODERATION_PORT',
    replay: 'REPLAY_PORT',
    gateway: 'GATEWAY_PORT',
  }[app];
  const flags = profileDir ? profileFlags(profileDir, name) : [];
  const metrics = { METRICS_PORT: String(metricsPort ?? (await freePort())) };
  const t = spawnNode(name, 'ours', main, { ...env, [portVar]: String(port), ...metrics }, flags);
  await waitReady(t, `http://127.0.0.1:${port}`, 90_000);
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
    await new Promise<void>((resolve, reject) => {
      const child = t.child as ChildProcess;
      const timer = setTimeout(
        () => reject(new Error(`${t.name} not ready after 30 s:\n${t.tail.join('\n')}`)),
        30_000,
      );
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${t.name} exited during start (${code}):\n${t.tail.join('\n')}`));
      });
    });
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
