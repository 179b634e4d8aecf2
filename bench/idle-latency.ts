/**
 * End-to-end latency of single danmaku on an idle system, through the whole pipeline
 * (gateway → Kafka → moderation → Kafka → gateway → Redis adapter → viewer).
 *
 *   npm start                       # in another terminal (and optionally a 2nd gateway)
 *   npx tsx bench/idle-latency.ts   # SENDS=100 GATEWAYS=http://127.0.0.1:3000,http://127.0.0.1:3010
 *
 * The sender is on the first gateway, the measured viewer on the last one. Writes
 * bench/results/idle-latency-<timestamp>.{json,md}.
 *
 * To have the stack started for you (two gateways, a fresh namespace, 100 viewers, compared
 * with a plain Socket.IO baseline): `npm run bench -- --scenario idle-latency`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';

const AUTH = process.env['AUTH_URL'] ?? 'http://127.0.0.1:3001';
const GATEWAYS = (process.env['GATEWAYS'] ?? 'http://127.0.0.1:3000').split(',');
const SENDS = Number(process.env['SENDS'] ?? 100);
const GAP_MS = Number(process.env['GAP_MS'] ?? 100);
const SENDERS = Number(process.env['SENDERS'] ?? 10);

async function post<T = unknown>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${AUTH}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function connect(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, { auth: { token }, transports: ['websocket'], reconnection: false });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  // Several senders, so the per-user send rate (20 per 10 s by default) never interferes.
  const tokens: string[] = [];
  for (let i = 0; i < SENDERS; i++) {
    const username = `bench_${Date.now().toString(36)}_${i}`;
    await post('/v1/auth/register', { username, password: 'bench-password-1' });
    tokens.push(
      (await post<{ accessToken: string }>('/v1/auth/login', { username, password: 'bench-password-1' }))
        .accessToken,
    );
  }
  const roomId = `bench-idle-${Date.now().toString(36)}`;
  const senders = await Promise.all(tokens.map((t) => connect(GATEWAYS[0], t)));
  const viewer = await connect(GATEWAYS[GATEWAYS.length - 1], tokens[0]);
  for (const s of [...senders, viewer]) {
    const ack = await s.emitWithAck('room:join', { roomId });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
  }
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  viewer.on('danmaku:batch', (b: { items: { text: string }[] }) => {
    const now = performance.now();
    for (const d of b.items) {
      const t = pending.get(d.text);
      if (t !== undefined) {
        latencies.push(now - t);
        pending.delete(d.text);
      }
    }
  });
  process.stdout.write(
    `sending ${SENDS} danmaku, one every ${GAP_MS} ms, ${GATEWAYS[0]} → ${GATEWAYS[GATEWAYS.length - 1]}\n`,
  );
  for (let i = 0; i < SENDS; i++) {
    const text = `idle-${i}`;
    const t0 = performance.now();
    pending.set(text, t0);
    const ack = await senders[i % senders.length].emitWithAck('danmaku:send', { roomId, text });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    ackLatencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, GAP_MS));
    if ((i + 1) % 20 === 0) process.stdout.write(`  ${i + 1}/${SENDS}\n`);
  }
  const deadline = Date.now() + 5000;
  while (pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const s of [...senders, viewer]) s.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  const acks = [...ackLatencies].sort((a, b) => a - b);
  const result = {
    at: new Date().toISOString(),
    gateways: GATEWAYS,
    sends: SENDS,
    received: latencies.length,
    lost: pending.size,
    endToEndMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] },
    ackMs: { p50: percentile(acks, 50), p99: percentile(acks, 99) },
  };
  const md = [
    `# Idle latency (${result.at})`,
    '',
    `${SENDS} danmaku, one every ${GAP_MS} ms, sender on ${GATEWAYS[0]}, viewer on ${GATEWAYS[GATEWAYS.length - 1]}.`,
    '',
    '| measure | p50 ms | p99 ms |',
    '|---|---|---|',
    `| send → viewer receives (end to end) | ${result.endToEndMs.p50.toFixed(1)} | ${result.endToEndMs.p99.toFixed(1)} |`,
    `| send → ack (durably queued) | ${result.ackMs.p50.toFixed(1)} | ${result.ackMs.p99.toFixed(1)} |`,
    '',
    `received ${result.received}/${SENDS}, lost ${result.lost}`,
  ].join('\n');
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = result.at.replace(/[:.]/g, '-');
  writeFileSync(join(dir, `idle-latency-${stamp}.json`), JSON.stringify(result, null, 2));
  writeFileSync(join(dir, `idle-latency-${stamp}.md`), md + '\n');
  process.stdout.write(md + '\n');
  if (result.lost > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`idle-latency failed: ${String(e)}\n`);
  process.exit(1);
});
