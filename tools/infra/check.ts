// Smoke check of the running infra: a real Kafka produce -> consume round trip on a
// throw-away topic, plus a Redis PING.
//
//   npx tsx --tsconfig tools/tsconfig.json tools/infra/check.ts   (KAFKA_BROKERS / REDIS_URL as for infra:up)
import { Kafka, logLevel } from 'kafkajs';

import { UserError, fmtSecs, logger, runCli } from './cli';
import { DEFAULT_KAFKA_BROKERS } from './kafka';
import { DEFAULT_REDIS_URL, pingRedis } from './redis';

const log = logger('check');

async function roundTrip(kafka: Kafka, topic: string, sent: string[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${topic}.group`, allowAutoTopicCreation: false });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: sent.map((value, i) => ({ key: `k${i % 2}`, value })) });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new UserError(`consumed ${got.length}/${sent.length} messages within 30s`)),
        30000,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push(message.value?.toString() ?? '');
            if (got.length < sent.length) return;
            clearTimeout(timer);
            resolvePromise();
          },
        })
        .catch(reject);
    });
    const missing = sent.filter((m) => !got.includes(m));
    if (missing.length) throw new UserError(`round trip lost messages: ${missing.join(', ')}`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
}

async function infraCheck(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS).split(',');
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;

  const redis = await pingRedis(redisUrl);
  if (!redis.ok) throw new UserError(`Redis PING at ${redisUrl} failed: ${redis.error}`);
  log.ok(`Redis ${redisUrl} answers PING`);

  const t0 = Date.now();
  const kafka = new Kafka({
    clientId: 'danmaku-infra-check',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
  const admin = kafka.admin();
  const topic = `infra-check.${Date.now()}.${process.pid}`;
  const sent = Array.from({ length: 5 }, (_, i) => `hello-${i}-${Math.random().toString(36).slice(2)}`);
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await roundTrip(kafka, topic, sent);
    log.ok(
      `Kafka ${brokers.join(',')}: produced and consumed ${sent.length} messages on ${topic} in ${fmtSecs(Date.now() - t0)}`,
    );
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([`${topic}.group`]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

void runCli('check', infraCheck);
