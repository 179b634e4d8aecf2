import Redis from 'ioredis';
import { KafkaClient } from '@danmaku/kafka';
import { testInfra } from './infra';

/**
 * Removes everything a test namespace left behind: its Kafka topics and consumer groups
 * and its Redis keys. Best effort: cleanup never fails a test run.
 */
export async function dropNamespace(namespace: string): Promise<void> {
  if (!namespace) throw new Error('refusing to drop the empty (production) namespace');
  const infra = testInfra();
  const redis = new Redis(infra.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const batch of redis.scanStream({ match: `${namespace}:*`, count: 1000 })) {
      const keys = batch as string[];
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } catch {
    // Redis away: nothing to clean there.
  } finally {
    redis.disconnect();
  }
  const kafka = new KafkaClient({
    brokers: infra.kafkaBrokers.split(','),
    clientId: 'test-cleanup',
    namespace,
  });
  const admin = kafka.kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${namespace}.`));
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(`${namespace}.`));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
  } catch {
    // Kafka away: nothing to clean there.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
