import { KAFKA_TOPICS, topicName, type DanmakuRejected } from '@danmaku/contracts';
import { randomBytes } from 'node:crypto';
import {
  deadLetterTopic,
  KafkaClient,
  SkipMessageError,
  TypedConsumer,
  TypedProducer,
  type ConsumedMessage,
} from '../src';

const topic = KAFKA_TOPICS.danmakuRejected;
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

// libs/testing builds on this lib, so this suite carries its own tiny polling helper.
async function eventually(assertion: () => void, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return assertion();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function rejection(i: number, roomId = 'room-a'): DanmakuRejected {
  return {
    id: `id-${i}`,
    roomId,
    userId: 'u',
    code: 'BLOCKED_TERM',
    reason: 'r',
    origin: { instanceId: 'i', socketId: 's' },
    decidedAt: Date.now(),
  };
}

describe('typed Kafka producer and consumer (real broker)', () => {
  let client: KafkaClient;
  let producer: TypedProducer;
  const consumers: TypedConsumer<typeof topic.schema>[] = [];

  beforeAll(async () => {
    client = new KafkaClient({
      brokers,
      clientId: 'kafka-it',
      namespace: `kit-${randomBytes(4).toString('hex')}`,
    });
    await client.ensureTopics([topic]);
    await client.ensureTopics([topic]); // idempotent
    producer = new TypedProducer(client);
    await producer.connect();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await producer?.disconnect();
    const admin = client.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [client.topic(topic)] }).catch(() => undefined);
    await admin.disconnect();
  });

  function consume(
    purpose: string,
    handle: (m: ConsumedMessage<DanmakuRejected>[]) => Promise<void>,
    skipped: string[] = [],
  ) {
    const c = new TypedConsumer(client, {
      topic,
      app: 'kafka-it',
      purpose,
      fromBeginning: true,
      handleBatch: handle,
      onSkip: (s) => skipped.push(s.reason),
    });
    consumers.push(c);
    return c;
  }

  it('delivers one room in order, skips invalid messages and retries a failing batch', async () => {
    // Garbage straight onto the topic: not JSON, and JSON that fails the schema.
    const raw = client.kafka.producer();
    await raw.connect();
    await raw.send({
      topic: topicName(topic, client.namespace),
      messages: [
        { key: 'room-a', value: '{oops' },
        { key: 'room-a', value: '{"id":1}' },
      ],
    });
    await raw.disconnect();
    await producer.publish(topic, ...Array.from({ length: 20 }, (_, i) => rejection(i)));

    const seen: string[] = [];
    const skipped: string[] = [];
    let failures = 0;
    const c = consume(
      'order',
      async (batch) => {
        if (failures < 2) {
          failures++;
          throw new Error('transient');
        }
        seen.push(...batch.map((m) => m.value.id));
      },
      skipped,
    );
    await c.start();
    await eventually(() => expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `id-${i}`)));
    expect(failures).toBe(2);
    expect(skipped.sort()).toEqual(['bad-json', 'bad-schema']);
    expect(c.isReady).toBe(true);
  }, 60_000);

  it('commits only handled offsets: a restarted group resumes after them', async () => {
    const first: string[] = [];
    const a = consume('resume', async (batch) => void first.push(...batch.map((m) => m.value.id)));
    await a.start();
    await eventually(() => expect(first).toHaveLength(20));
    await a.stop();
    consumers.splice(consumers.indexOf(a), 1);

    await producer.publish(topic, rejection(100));
    const second: string[] = [];
    const b = consume('resume', async (batch) => void second.push(...batch.map((m) => m.value.id)));
    await b.start();
    await eventually(() => expect(second).toEqual(['id-100']));
  }, 90_000);

  it('refuses to publish a message that fails its schema', async () => {
    await expect(producer.publish(topic, { ...rejection(1), code: 'NOPE' } as never)).rejects.toThrow();
  });
});

describe('poison messages (real broker)', () => {
  it('parks only the poison message on <topic>.dlq, counts it, and handles its neighbours', async () => {
    const sink = { lags: [] as number[], skipped: [] as string[] };
    const client = new KafkaClient({
      brokers,
      clientId: 'kafka-it-dlq',
      namespace: `kdl-${randomBytes(4).toString('hex')}`,
      metrics: {
        lag: (_l, v) => sink.lags.push(v),
        skipped: (l) => sink.skipped.push(`${l.group}:${l.reason}`),
      },
    });
    await client.ensureTopics([topic]);
    const producer = new TypedProducer(client);
    await producer.connect();
    const handled: string[] = [];
    const consumer = new TypedConsumer(client, {
      topic,
      app: 'kafka-it',
      purpose: 'dlq',
      fromBeginning: true,
      handleBatch: async (messages) => {
        if (messages.some((m) => m.value.id === 'id-poison'))
          throw new SkipMessageError('cannot handle', 'poison');
        handled.push(...messages.map((m) => m.value.id));
      },
    });
    const dlqTopic = deadLetterTopic(client.topic(topic));
    const parked: { value: string; reason: string; offset: string }[] = [];
    const reader = client.kafka.consumer({ groupId: `${client.namespace}.dlq-reader` });
    try {
      await producer.publish(
        topic,
        rejection(1),
        rejection(2),
        { ...rejection(3), id: 'id-poison' },
        rejection(4),
        rejection(5),
      );
      await consumer.start();
      await eventually(() => expect(handled.sort()).toEqual(['id-1', 'id-2', 'id-4', 'id-5']));
      expect(sink.skipped).toEqual([`${consumer.groupId}:poison`]);
      await eventually(() => expect(sink.lags.length).toBeGreaterThan(0));
      await reader.connect();
      await reader.subscribe({ topics: [dlqTopic], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          parked.push({
            value: message.value?.toString() ?? '',
            reason: message.headers?.['dlq-reason']?.toString() ?? '',
            offset: message.headers?.['dlq-offset']?.toString() ?? '',
          });
        },
      });
      await eventually(() =>
        expect(parked).toEqual([
          { value: expect.stringContaining('"id-poison"'), reason: 'poison', offset: '2' },
        ]),
      );
    } finally {
      await reader.disconnect();
      await consumer.stop();
      await producer.disconnect();
      await client.deadLetters.close();
      const admin = client.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [client.topic(topic), dlqTopic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 90_000);
});
