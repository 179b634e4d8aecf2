import { randomBytes } from 'node:crypto';
import { KAFKA_TOPICS, type DanmakuRejected } from '@danmaku/contracts';
import { ConsumerHost, KafkaClient, TypedProducer } from '../src';

const topic = KAFKA_TOPICS.danmakuRejected;
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

async function eventually(assertion: () => void | Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function rejection(i: number): DanmakuRejected {
  return {
    id: `id-${i}`,
    roomId: 'room-a',
    userId: 'u',
    code: 'BLOCKED_TERM',
    reason: 'r',
    origin: { instanceId: 'i', socketId: 's' },
    decidedAt: Date.now(),
  };
}

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `id-${from + i}`);

class Readiness {
  readonly checks = new Map<string, () => boolean>();
  register(name: string, check: () => boolean): void {
    this.checks.set(name, check);
  }
}

describe('ConsumerHost and pipelined consumers (real broker)', () => {
  let client: KafkaClient;
  let producer: TypedProducer;
  const lagReports: number[] = [];
  const hosts: ConsumerHost[] = [];

  beforeAll(async () => {
    client = new KafkaClient({
      brokers,
      clientId: 'kafka-host-it',
      namespace: `khost-${randomBytes(4).toString('hex')}`,
      metrics: { lag: (_labels, lag) => lagReports.push(lag), skipped: () => undefined },
    });
    producer = new TypedProducer(client);
    await client.ensureTopics([topic]);
    await producer.connect();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await producer?.disconnect();
    await client.deadLetters.close();
    const admin = client.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [client.topic(topic)] }).catch(() => undefined);
    await admin.disconnect();
  }, 30_000);

  function host(readiness?: Readiness): ConsumerHost {
    const h = new ConsumerHost(client, readiness);
    hosts.push(h);
    return h;
  }

  async function committed(groupId: string): Promise<number> {
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId, topics: [client.topic(topic)] });
      return Math.max(...t.partitions.map((p) => Number(p.offset)));
    } finally {
      await admin.disconnect();
    }
  }

  it('fetches the next batch while one is in hand, commits only finished work in order, and a crash redoes the rest', async () => {
    await producer.publish(topic, ...ids(0, 10).map((_, i) => rejection(i)));
    const handled: string[] = [];
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((r) => (releaseFirst = r));
    let secondStarted = false;
    const hostA = host();
    const a = hostA.add({
      topic,
      app: 'kafka-it',
      purpose: 'pipelined',
      fromBeginning: true,
      pipelined: true,
      commitIntervalMs: 100,
      handleBatch: async (batch) => {
        if (batch[0].value.id === 'id-0') {
          handled.push(...batch.map((m) => m.value.id));
          await firstHeld;
          return;
        }
        // The second batch never finishes: this consumer "crashes" while it is in hand.
        secondStarted = true;
        await new Promise<never>(() => undefined);
      },
    });
    hostA.start();
    await eventually(() => expect(handled).toEqual(ids(0, 10)));
    const reportsBefore = lagReports.length;

    // While the first batch is still in hand, the next one is fetched (its lag is reported)…
    await producer.publish(topic, ...ids(10, 20).map((_, i) => rejection(10 + i)));
    await eventually(() => expect(lagReports.length).toBeGreaterThan(reportsBefore));
    // …but not handled before the first is done (each partition stays in order).
    expect(secondStarted).toBe(false);
    expect(await committed(a.groupId)).toBeLessThan(10);

    releaseFirst();
    await eventually(async () => expect(await committed(a.groupId)).toBe(10));
    await eventually(() => expect(secondStarted).toBe(true));
    // Fetched and in hand is not done: the second batch's offsets are never committed.
    await new Promise((r) => setTimeout(r, 400));
    expect(await committed(a.groupId)).toBe(10);

    await a.stop(100); // the crash: the work in hand is abandoned
    expect(await committed(a.groupId)).toBe(10);

    // The group's next member resumes right after the finished work: nothing lost, nothing
    // finished is redone, order kept.
    const resumed: string[] = [];
    const hostB = host();
    hostB.add({
      topic,
      app: 'kafka-it',
      purpose: 'pipelined',
      fromBeginning: true,
      pipelined: true,
      commitIntervalMs: 100,
      handleBatch: async (batch) => void resumed.push(...batch.map((m) => m.value.id)),
    });
    hostB.start();
    await eventually(() => expect(resumed).toEqual(ids(10, 20)));
  }, 90_000);

  it('starts its consumers after startAfter, in the background, and reports each to readiness', async () => {
    const readiness = new Readiness();
    const h = host(readiness);
    let go!: () => void;
    const seen: string[] = [];
    h.add({
      topic,
      app: 'kafka-it',
      purpose: `instance.${randomBytes(3).toString('hex')}`,
      name: 'instance',
      fromBeginning: true,
      startAfter: () => new Promise<void>((r) => (go = r)),
      handleBatch: async (batch) => void seen.push(...batch.map((m) => m.value.id)),
    });
    h.start();
    const check = readiness.checks.get('kafka:kafka-it.instance');
    expect(check).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(check?.()).toBe(false);
    expect(seen).toEqual([]);

    go();
    await eventually(() => expect(check?.()).toBe(true));
    await eventually(() => expect(seen).toEqual(ids(0, 20)));
    await h.stop();
    expect(check?.()).toBe(false);
  }, 60_000);

  it('stops at once when its consumers are still waiting to start', async () => {
    const h = host();
    h.add({
      topic,
      app: 'kafka-it',
      purpose: 'never',
      fromBeginning: true,
      startAfter: () => new Promise<void>(() => undefined),
      handleBatch: async () => undefined,
    });
    h.start();
    const started = Date.now();
    await h.stop();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
