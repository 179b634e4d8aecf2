import { topicName, type TopicDefinition } from '@danmaku/contracts';
import { KafkaClient } from '@danmaku/kafka';
import { testInfra } from './infra';

/**
 * Produces raw bytes to a topic of a test namespace, bypassing its schema: a message no
 * consumer can read, to drive the skip path (`<topic>.dlq`, `kafka_consumer_skipped_total`)
 * of real apps end to end.
 */
export async function produceRawMessage(
  namespace: string,
  topic: TopicDefinition,
  message: { key: string; value: string },
): Promise<void> {
  const kafka = new KafkaClient({
    brokers: testInfra().kafkaBrokers.split(','),
    clientId: 'test-raw-producer',
    namespace,
  });
  const producer = kafka.kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: topicName(topic, namespace), messages: [message] });
  } finally {
    await producer.disconnect();
  }
}
