#!/usr/bin/env node
// Smoke check of the running infra: a real Kafka produce -> consume round trip on a
// throw-away topic, plus a Redis PING. Needs node_modules (kafkajs).
//
//   node tools/infra/check.mjs        (KAFKA_BROKERS / REDIS_URL as for infra:up)

import { createRequire } from 'node:module';
import { join } from 'node:path';

import { ROOT, UserError, fmtSecs, isMain, logger, runCli } from './lib.mjs';
import { DEFAULT_KAFKA_BROKERS, DEFAULT_REDIS_URL, pingRedis } from './up.mjs';

const log = logger('check');

export async function infraCheck() {
  const { Kafka, logLevel } = createRequire(join(ROOT, 'package.json'))('kafkajs');
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
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${topic}.group`, allowAutoTopicCreation: false });
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: sent.map((value, i) => ({ key: `k${i % 2}`, value })) });
    const tProduced = Date.now();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got = [];
    await new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new UserError(`consumed ${got.length}/${sent.length} messages within 30s`)),
        30000,
      );
      consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value.toString());
          if (got.length === sent.length) {
            clearTimeout(timer);
            resolvePromise();
          }
        },
      });
    });
    const missing = sent.filter((m) => !got.includes(m));
    if (missing.length) throw new UserError(`round trip lost messages: ${missing.join(', ')}`);
    log.ok(
      `Kafka ${brokers.join(',')}: produced and consumed ${sent.length} messages on ${topic}` +
        ` (produce ${fmtSecs(tProduced - t0)}, consume incl. group join ${fmtSecs(Date.now() - tProduced)})`,
    );
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([`${topic}.group`]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

if (isMain(import.meta.url)) runCli('check', infraCheck);
