/**
 * Ingest throughput of ONE replay instance against real Kafka and Redis:
 * pre-produces N accepted danmaku (many rooms, most with a session), starts the built
 * app and measures how fast `replay_danmaku_stored_total` climbs.
 *
 *   npx nx build replay && npx tsx --tsconfig tsconfig.base.json apps/replay/test/bench/ingest-throughput.ts [N] [rooms]
 */
import { randomUUID } from 'node:crypto';
import { KAFKA_TOPICS, type Danmaku } from '@danmaku/contracts';
import { KafkaClient, TypedProducer } from '@danmaku/kafka';
import { createRedisClient } from '@danmaku/platform';
import { freePort, spawnApp, testInfra, uniqueId } from '@danmaku/testing';

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 100_000);
  const rooms = Number(process.argv[3] ?? 50);
  const namespace = uniqueId('bench-replay').toLowerCase();
  const infra = testInfra();
  const kafka = new KafkaClient({
    brokers: infra.kafkaBrokers.split(','),
    clientId: 'replay-bench',
    namespace,
  });
  await kafka.ensureTopics([KAFKA_TOPICS.danmakuAccepted, KAFKA_TOPICS.roomEvents]);
  const producer = new TypedProducer(kafka);
  await producer.connect();

  const seqs = new Array<number>(rooms).fill(0);
  const t0 = Date.now();
  for (let sent = 0; sent < total;) {
    const batch = Array.from({ length: Math.min(2000, total - sent) }, (_, i) => {
      const r = (sent + i) % rooms;
      const seq = ++seqs[r];
      const offsetMs = seq * 37;
      const danmaku: Danmaku = {
        id: randomUUID(),
        roomId: `room-${r}`,
        seq,
        userId: `u-${seq % 997}`,
        nickname: 'bench viewer',
        text: `bench message number ${seq} with some typical length`,
        mode: 'scroll',
        color: '#ffffff',
        size: 'medium',
        sentAt: 1_700_000_000_000 + offsetMs,
        sessionId: r % 10 === 0 ? null : `s-${r}`,
        offsetMs: r % 10 === 0 ? null : offsetMs,
      };
      return { danmaku, decidedAt: Date.now() };
    });
    await producer.publish(KAFKA_TOPICS.danmakuAccepted, ...batch);
    sent += batch.length;
  }
  await producer.disconnect();
  console.log(`produced ${total} in ${Date.now() - t0} ms`);

  const start = Date.now();
  const app = await spawnApp('replay', {
    port: await freePort(),
    env: { DANMAKU_NAMESPACE: namespace, KAFKA_BROKERS: infra.kafkaBrokers, REDIS_URL: infra.redisUrl },
  });
  const samples: { t: number; n: number }[] = [];
  try {
    for (;;) {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      const n = Number(/^replay_danmaku_stored_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
      samples.push({ t: Date.now(), n });
      if (n >= total) break;
      if (Date.now() - start > 300_000) throw new Error(`only ${n}/${total} stored after 300 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await app.stop();
  }
  const first = samples.find((s) => s.n > 0) ?? samples[0];
  const last = samples[samples.length - 1];
  const rate = ((last.n - first.n) / (last.t - first.t)) * 1000;
  console.log(
    `stored ${last.n} in ${last.t - start} ms from spawn; steady rate ≈ ${Math.round(rate)} danmaku/s`,
  );

  const redis = createRedisClient({ url: infra.redisUrl, namespace: '', name: 'replay-bench-cleanup' });
  for (const keys = await redis.keys(`${namespace}:*`); keys.length > 0;)
    await redis.unlink(...keys.splice(0, 1000));
  await redis.quit();
  const admin = kafka.kafka.admin();
  await admin.connect();
  await admin
    .deleteTopics({
      topics: [kafka.topic(KAFKA_TOPICS.danmakuAccepted), kafka.topic(KAFKA_TOPICS.roomEvents)],
    })
    .catch(() => undefined);
  await admin.disconnect();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
