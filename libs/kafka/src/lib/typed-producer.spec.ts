import { KAFKA_TOPICS } from '@danmaku/contracts';
import { KafkaClient } from './kafka-client';
import { TypedProducer } from './typed-producer';

describe('TypedProducer (no broker)', () => {
  it('refuses a message that fails its topic schema before talking to Kafka', async () => {
    // An unreachable broker: the schema check must fail first, synchronously in publish.
    const client = new KafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'unit', namespace: 'unit' });
    const producer = new TypedProducer(client);
    await expect(producer.publish(KAFKA_TOPICS.authSessions, { type: 'nope' } as never)).rejects.toThrow(
      /Invalid/,
    );
  });

  it('names topics within the namespace', () => {
    const client = new KafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'unit', namespace: 'ns1' });
    expect(client.topic(KAFKA_TOPICS.roomEvents)).toBe('ns1.room.events.v1');
  });
});
