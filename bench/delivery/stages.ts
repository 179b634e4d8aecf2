/**
 * npm run bench:stages — where one danmaku's time goes on a quiet system, stage by stage.
 *
 *   npx nx run-many -t build -p gateway auth moderation replay
 *   npm run bench:stages [-- --sends 150 --gap-ms 200 --dist DIR --out DIR]
 *
 * Brings Kafka and Redis up when they are not (as `npm run bench` does); the apps must be built.
 *
 * Starts our stack like `npm run bench` (auth, moderation, replay, two gateways, a fresh
 * namespace), puts a sender and a viewer on gateway 1 and a viewer on gateway 2 in one room,
 * sends one danmaku every gap, and splits each one's path with the timestamps the pipeline
 * already carries: the gateway's `sentAt`, the Kafka record timestamps of the submission and
 * of the accepted event (taken when each producer was called), and moderation's `decidedAt`.
 * Two plain consumers in this process (kafkajs, through @danmaku/kafka's client) read the
 * same two topics: what Kafka alone takes to hand a record to a waiting consumer here.
 * Every clock is this machine's; the pipeline's stamps are whole milliseconds, so stage
 * figures are ±1 ms (medians hold).
 *
 * Prints the table and writes bench/results/stages-<stamp>.{json,md} (or --out).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { KAFKA_TOPICS, topicName } from '@danmaku/contracts';
import { KafkaClient } from '@danmaku/kafka';
import { onStopSignals } from '@danmaku/process';
import { dropNamespace } from '@danmaku/testing';
import { stopAll, ROOT } from './procs';
import { bringInfraUp, startOurStack } from './stack';

/** Per danmaku (keyed by its text): when each stage was reached, ms since the epoch. */
type Marks = Partial<
  Record<
    | 'send'
    | 'ack'
    | 'sentAt'
    | 'submitted'
    | 'submittedSeen'
    | 'decided'
    | 'accepted'
    | 'acceptedSeen'
    | 'gw1'
    | 'gw2',
    number
  >
>;

const STAGES: { name: string; from: keyof Marks; to: keyof Marks }[] = [
  { name: 'client → gateway takes the send (sentAt)', from: 'send', to: 'sentAt' },
  { name: 'gateway checks → submission produced', from: 'sentAt', to: 'submitted' },
  { name: 'Kafka → moderation starts deciding (fetch, decode)', from: 'submitted', to: 'decided' },
  { name: 'moderation decides (context, script) → accepted produced', from: 'decided', to: 'accepted' },
  { name: 'Kafka → gateway 1 → viewer (fetch, fan-out, socket)', from: 'accepted', to: 'gw1' },
  { name: 'Kafka → gateway 2 → viewer', from: 'accepted', to: 'gw2' },
  { name: 'reference: Kafka → a plain consumer (submitted topic)', from: 'submitted', to: 'submittedSeen' },
  { name: 'reference: Kafka → a plain consumer (accepted topic)', from: 'accepted', to: 'acceptedSeen' },
  { name: 'send → ack (durably queued)', from: 'send', to: 'ack' },
  { name: 'end to end, viewer on gateway 1', from: 'send', to: 'gw1' },
  { name: 'end to end, viewer on gateway 2', from: 'send', to: 'gw2' },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sends: { type: 'string', default: '150' },
      'gap-ms': { type: 'string', default: '200' },
      dist: { type: 'string', default: join(ROOT, 'dist') },
      out: { type: 'string', default: join(ROOT, 'bench', 'results') },
    },
  });
  const sends = Number(values.sends);
  const gapMs = Number(values['gap-ms']);
  if (!(sends > 0) || !(gapMs >= 0)) throw new Error('--sends must be > 0 and --gap-ms ≥ 0');
  const namespace = `stages-${Date.now().toString(36)}`;
  const startedAt = new Date();
  const load = loadavg();
  onStopSignals({ stop: () => void stopAll().then(() => process.exit(130)), kill: () => process.exit(137) });

  // A clock with sub-millisecond steps on the epoch scale the pipeline's stamps use
  // (Date.now() in every process). Its origin is taken as Date.now() ticks over to a new
  // millisecond: taken at a random point inside one, it would be up to 1 ms early. It is taken
  // again before every send: the wall clock and the monotonic one drift apart here by a
  // millisecond or more a second (seen: 10 ms over a run), which would shift every stage.
  let origin = 0;
  const resync = () => {
    const tick = Date.now();
    while (Date.now() === tick) {
      // spin to the next millisecond (at most one)
    }
    origin = Date.now() - performance.now();
  };
  resync();
  const now = () => origin + performance.now();
  const marks = new Map<string, Marks>();
  const mark = (text: string | undefined, key: keyof Marks, at: number) => {
    if (text === undefined) return;
    const m = marks.get(text) ?? {};
    m[key] ??= at;
    marks.set(text, m);
  };

  process.stdout.write(`Kafka and Redis up (namespace ${namespace}) …\n`);
  const infra = await bringInfraUp(namespace);
  process.stdout.write(`starting our stack …\n`);
  const stack = await startOurStack(namespace, infra, 2, values.dist);
  const kafka = new KafkaClient({ clientId: 'bench-stages', brokers: infra.kafkaBrokers.split(',') }).kafka;
  const consumers = [];
  const sockets: Socket[] = [];
  try {
    const post = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${stack.authUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const username = `stages_${Date.now().toString(36)}`;
    await post('/v1/auth/register', { username, password: 'bench-password-1' });
    const { accessToken } = await post<{ accessToken: string }>('/v1/auth/login', {
      username,
      password: 'bench-password-1',
    });
    const connect = (url: string) =>
      new Promise<Socket>((resolve, reject) => {
        const s = io(url, { auth: { token: accessToken }, transports: ['websocket'], reconnection: false });
        sockets.push(s);
        s.once('connect', () => resolve(s));
        s.once('connect_error', reject);
      });
    const roomId = 'stages';
    const [sender, viewer1, viewer2] = [
      await connect(stack.gateways[0]),
      await connect(stack.gateways[0]),
      await connect(stack.gateways[1]),
    ];
    for (const s of [sender, viewer1, viewer2]) {
      const ack = (await s.emitWithAck('room:join', { roomId })) as { ok: boolean };
      if (!ack.ok) throw new Error(`room:join: ${JSON.stringify(ack)}`);
    }
    const observe = (s: Socket, key: 'gw1' | 'gw2') =>
      s.on('danmaku:batch', (b: { items: { text: string; sentAt: number }[] }) => {
        const at = now();
        for (const d of b.items) {
          mark(d.text, key, at);
          mark(d.text, 'sentAt', d.sentAt);
        }
      });
    observe(viewer1, 'gw1');
    observe(viewer2, 'gw2');

    for (const [topic, stamp, seen] of [
      [KAFKA_TOPICS.danmakuSubmitted, 'submitted', 'submittedSeen'],
      [KAFKA_TOPICS.danmakuAccepted, 'accepted', 'acceptedSeen'],
    ] as const) {
      const c = kafka.consumer({ groupId: `${namespace}.stages.${stamp}` });
      consumers.push(c);
      await c.connect();
      await c.subscribe({ topic: topicName(topic, namespace), fromBeginning: false });
      await c.run({
        eachMessage: async ({ message }) => {
          const at = now();
          const value = JSON.parse(message.value?.toString() ?? '{}') as {
            text?: string;
            decidedAt?: number;
            danmaku?: { text: string };
          };
          const text = value.text ?? value.danmaku?.text;
          mark(text, stamp, Number(message.timestamp));
          mark(text, seen, at);
          if (value.decidedAt !== undefined) mark(text, 'decided', value.decidedAt);
        },
      });
    }
    await sleep(3000); // the plain consumers join their groups

    process.stdout.write(`sending ${sends} danmaku, one every ${gapMs} ms …\n`);
    for (let i = 0; i < sends; i++) {
      const text = `stage-${i}`;
      resync();
      mark(text, 'send', now());
      const ack = (await sender.emitWithAck('danmaku:send', { roomId, text })) as { ok: boolean };
      if (!ack.ok) throw new Error(`danmaku:send: ${JSON.stringify(ack)}`);
      mark(text, 'ack', now());
      await sleep(gapMs);
    }
    await sleep(2000);
  } finally {
    for (const s of sockets) s.close();
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
    await stopAll();
    await dropNamespace(namespace).catch(() => undefined);
  }

  const complete = [...marks.values()].filter((m) =>
    STAGES.every((s) => m[s.from] !== undefined && m[s.to] !== undefined),
  );
  const rows = STAGES.map((s) => {
    const d = complete.map((m) => (m[s.to] as number) - (m[s.from] as number)).sort((a, b) => a - b);
    return { stage: s.name, p50: quantile(d, 0.5), p90: quantile(d, 0.9), p99: quantile(d, 0.99) };
  });
  const ms = (v: number) => v.toFixed(1);
  // The slowest danmaku end to end, with where their time went: with ~150 sends the p99 is
  // the second slowest, so one cold start or pause decides it.
  const endToEnd = (m: Marks) => (m.gw1 as number) - (m.send as number);
  const slowest = [...marks]
    .filter(([, m]) => complete.includes(m))
    .sort(([, a], [, b]) => endToEnd(b) - endToEnd(a))
    .slice(0, 5)
    .map(([text, m]) => ({
      index: Number(text.slice('stage-'.length)),
      stages: STAGES.map((s) => (m[s.to] as number) - (m[s.from] as number)),
    }));
  const md = [
    `# Stages of one danmaku on a quiet system (${startedAt.toISOString()})`,
    '',
    `${sends} danmaku, one every ${gapMs} ms, sender and one viewer on gateway 1, one viewer on gateway 2; ` +
      `${complete.length} seen at every stage. Load average at start ${load.map((l) => l.toFixed(2)).join(' ')}. ` +
      'Stamps from the pipeline are whole milliseconds (±1 ms per stage).',
    '',
    '| stage | p50 ms | p90 ms | p99 ms |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.stage} | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} |`),
    '',
    'The five slowest end to end (viewer on gateway 1), by send index (0 = the first danmaku after the stack started), ms per stage in the order above:',
    '',
    `| # | ${STAGES.map((_, i) => i + 1).join(' | ')} |`,
    `|---:|${STAGES.map(() => '---:').join('|')}|`,
    ...slowest.map((r) => `| ${r.index} | ${r.stages.map(ms).join(' | ')} |`),
    '',
  ].join('\n');
  process.stdout.write(`\n${md}`);
  mkdirSync(values.out, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(values.out, `stages-${stamp}.md`), md);
  writeFileSync(
    join(values.out, `stages-${stamp}.json`),
    JSON.stringify(
      { at: startedAt.toISOString(), sends, gapMs, loadavg: load, complete: complete.length, rows, slowest },
      null,
      2,
    ),
  );
  process.stdout.write(`\nwrote ${join(values.out, `stages-${stamp}.md`)}\n`);
  if (complete.length < sends * 0.9) process.exitCode = 1;
}

main().catch(async (e: unknown) => {
  process.stderr.write(`bench:stages failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  await stopAll().catch(() => undefined);
  process.exit(1);
});
