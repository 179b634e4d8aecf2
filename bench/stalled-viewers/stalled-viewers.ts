/**
 * What stalled viewers cost the gateway (issue 14, item 5): VIEWERS Socket.IO clients join one
 * room and then stop reading (their TCP socket is paused, so the kernel buffers fill and the
 * gateway's writes pile up), while a sender publishes RATE danmaku/s through the real pipeline.
 * Every second it samples the gateway's RSS, the kernel's TCP memory (`/proc/net/sockstat`,
 * machine-wide) and the send queues of the gateway's own sockets (`ss -tm`, `w` = wmem_queued),
 * plus the gateway's open connections and slow-consumer disconnects from its metrics.
 *
 *   flock /tmp/build.flock npx nx run-many -t build -p gateway moderation auth
 *   npx tsx bench/stalled-viewers/stalled-viewers.ts   # VIEWERS=1000 RATE=100 SECONDS=60
 *
 * Starts its own auth, moderation and gateway (built output) in a fresh namespace against the
 * local Kafka and Redis; extra gateway env as GATEWAY_* variables of this process. Writes
 * bench/results/stalled-viewers-<timestamp>.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import {
  dropNamespace,
  freePort,
  httpJson,
  spawnApp,
  testInfra,
  uniqueId,
  workspaceRoot,
  type RunningApp,
} from '@danmaku/testing';

const VIEWERS = Number(process.env['VIEWERS'] ?? 1000);
const RATE = Number(process.env['RATE'] ?? 100);
const SECONDS = Number(process.env['SECONDS'] ?? 60);
const PAGE = 4096;

interface Sample {
  t: number;
  rssMb: number;
  tcpMemMb: number;
  sendQueuesMb: number;
  connections: number;
  disconnects: number;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return line ? Number(line[1]) / 1024 : NaN;
}

/** Kernel memory of every TCP socket on the machine (pages → MB). */
function tcpMemMb(): number {
  const m = readFileSync('/proc/net/sockstat', 'utf8').match(/TCP:.* mem (\d+)/);
  return m ? (Number(m[1]) * PAGE) / 1e6 : NaN;
}

/** Bytes queued for sending in the kernel on the gateway's side of its connections (MB). */
function sendQueuesMb(port: number): number {
  const out = execFileSync('ss', ['-tmnH', 'state', 'established', `( sport = :${port} )`], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  let sum = 0;
  for (const m of out.matchAll(/skmem:\([^)]*?,w(\d+)/g)) sum += Number(m[1]);
  return sum / 1e6;
}

async function metric(app: RunningApp, name: string): Promise<number> {
  const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : 0;
}

function connect(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

/** Stops reading: the client's kernel receive buffer fills, then the gateway's send buffers. */
function stall(socket: Socket): void {
  const ws = (socket.io.engine as unknown as { transport: { ws: { _socket: { pause(): void } } } }).transport
    .ws;
  ws._socket.pause();
}

async function user(auth: RunningApp, label: string): Promise<string> {
  const username = `${label}_${Math.random().toString(36).slice(2, 10)}`;
  const password = 'bench-password-1';
  await httpJson('POST', `${auth.url}/v1/auth/register`, { body: { username, password } });
  const res = await httpJson('POST', `${auth.url}/v1/auth/login`, { body: { username, password } });
  return res.body.accessToken as string;
}

async function main(): Promise<void> {
  const infra = testInfra();
  const namespace = uniqueId('bench').toLowerCase();
  const authPort = await freePort();
  const common = {
    DANMAKU_NAMESPACE: namespace,
    KAFKA_BROKERS: infra.kafkaBrokers,
    REDIS_URL: infra.redisUrl,
    AUTH_JWKS_URL: `http://127.0.0.1:${authPort}/.well-known/jwks.json`,
  };
  const gatewayEnv = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('GATEWAY_') && !!e[1]),
  );
  const apps: RunningApp[] = [];
  const sockets: Socket[] = [];
  try {
    apps.push(await spawnApp('auth', { port: authPort, env: common }));
    apps.push(
      await spawnApp('moderation', {
        port: await freePort(),
        env: { ...common, MODERATION_FLOOD_MAX: '0', MODERATION_DUPLICATE_WINDOW_MS: '0' },
      }),
    );
    const gateway = await spawnApp('gateway', {
      port: await freePort(),
      env: {
        ...common,
        GATEWAY_SEND_RATE_LIMIT: '1000000',
        GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: String(VIEWERS + 100),
        ...gatewayEnv,
      },
    });
    apps.push(gateway);
    const pid = gateway.process.pid as number;
    const [auth] = apps;
    const roomId = `stalled-${Date.now().toString(36)}`;
    const senderToken = await user(auth, 'sender');
    const viewerToken = await user(auth, 'viewer');
    const sender = await connect(gateway.url, senderToken);
    const healthy = await connect(gateway.url, viewerToken);
    sockets.push(sender, healthy);
    let healthyItems = 0;
    healthy.on('danmaku:batch', (b: { items: unknown[] }) => (healthyItems += b.items.length));
    for (const s of [sender, healthy]) await s.emitWithAck('room:join', { roomId });
    for (let i = 0; i < VIEWERS; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, VIEWERS - i) }, () => connect(gateway.url, viewerToken)),
      );
      await Promise.all(batch.map((s) => s.emitWithAck('room:join', { roomId })));
      batch.forEach(stall);
      sockets.push(...batch);
    }
    const baseline: Sample = {
      t: 0,
      rssMb: rssMb(pid),
      tcpMemMb: tcpMemMb(),
      sendQueuesMb: sendQueuesMb(gateway.port),
      connections: await metric(gateway, 'gateway_connections'),
      disconnects: await metric(gateway, 'gateway_slow_consumer_disconnects_total'),
    };
    console.log('baseline', baseline);
    const samples: Sample[] = [];
    const start = Date.now();
    let sent = 0;
    const text = 'x'.repeat(40);
    const sending = setInterval(() => {
      const due = Math.floor(((Date.now() - start) / 1000) * RATE) - sent;
      for (let i = 0; i < due; i++)
        sender.emit('danmaku:send', { roomId, text: `${text} ${sent++}` }, () => undefined);
    }, 10);
    let droppedAt: number | null = null;
    while (Date.now() - start < SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      const s: Sample = {
        t: Math.round((Date.now() - start) / 100) / 10,
        rssMb: rssMb(pid),
        tcpMemMb: tcpMemMb(),
        sendQueuesMb: sendQueuesMb(gateway.port),
        connections: await metric(gateway, 'gateway_connections'),
        disconnects: await metric(gateway, 'gateway_slow_consumer_disconnects_total'),
      };
      samples.push(s);
      console.log(JSON.stringify(s));
      if (droppedAt === null && s.connections <= 2) droppedAt = s.t;
    }
    clearInterval(sending);
    const peak = (k: keyof Sample) => Math.max(...samples.map((s) => s[k]));
    const result = {
      at: new Date().toISOString(),
      viewers: VIEWERS,
      ratePerSec: RATE,
      seconds: SECONDS,
      gatewayEnv,
      loadAverage: loadavg(),
      baseline,
      peak: {
        rssMb: peak('rssMb'),
        tcpMemMb: peak('tcpMemMb'),
        sendQueuesMb: peak('sendQueuesMb'),
      },
      perStalledViewerKb: {
        rss: ((peak('rssMb') - baseline.rssMb) * 1024) / VIEWERS,
        kernelTcp: ((peak('tcpMemMb') - baseline.tcpMemMb) * 1e3) / VIEWERS,
        gatewaySendQueues: ((peak('sendQueuesMb') - baseline.sendQueuesMb) * 1e3) / VIEWERS,
      },
      allDroppedAfterSec: droppedAt,
      slowConsumerDisconnects: samples[samples.length - 1]?.disconnects,
      healthyViewerItems: healthyItems,
      sent,
      samples,
    };
    const dir = join(workspaceRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const stamp = result.at.replace(/[:.]/g, '-');
    writeFileSync(join(dir, `stalled-viewers-${stamp}.json`), JSON.stringify(result, null, 2));
    writeFileSync(
      join(dir, `stalled-viewers-${stamp}.md`),
      [
        `# Stalled viewers, ${result.at}`,
        '',
        `${VIEWERS} stalled viewers, ${RATE} danmaku/s for ${SECONDS} s; load average ${result.loadAverage.map((l) => l.toFixed(2)).join(' ')}; gateway env ${JSON.stringify(gatewayEnv)}`,
        '',
        '| | baseline | peak | per stalled viewer |',
        '|---|---|---|---|',
        `| gateway RSS | ${baseline.rssMb.toFixed(1)} MB | ${result.peak.rssMb.toFixed(1)} MB | ${result.perStalledViewerKb.rss.toFixed(0)} KB |`,
        `| kernel TCP memory (machine) | ${baseline.tcpMemMb.toFixed(1)} MB | ${result.peak.tcpMemMb.toFixed(1)} MB | ${result.perStalledViewerKb.kernelTcp.toFixed(0)} KB |`,
        `| gateway-side send queues | ${baseline.sendQueuesMb.toFixed(1)} MB | ${result.peak.sendQueuesMb.toFixed(1)} MB | ${result.perStalledViewerKb.gatewaySendQueues.toFixed(0)} KB |`,
        '',
        `All stalled viewers dropped after: ${droppedAt ?? `not within ${SECONDS}`} s; slow-consumer disconnects ${result.slowConsumerDisconnects}; the healthy viewer got ${healthyItems} of ${sent}.`,
        '',
      ].join('\n'),
    );
    console.log(JSON.stringify({ ...result, samples: undefined }, null, 2));
  } finally {
    sockets.forEach((s) => s.close());
    await Promise.all(apps.map((a) => a.stop()));
    await dropNamespace(namespace);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
