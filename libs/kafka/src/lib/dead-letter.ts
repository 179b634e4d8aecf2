import type { IHeaders, Producer } from 'kafkajs';
import type { KafkaClient } from './kafka-client';

/** Where a consumer's poison messages go: `<topic>.dlq`, one partition, raw value kept. */
export const deadLetterTopic = (topic: string) => `${topic}.dlq`;

export interface DeadLetter {
  /** The full (namespaced) topic the message came from. */
  topic: string;
  group: string;
  partition: number;
  offset: string;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: IHeaders;
  reason: string;
  error: string;
}

/**
 * Parks messages a consumer skipped on a dead-letter topic, with why and where from in the
 * headers, so an operator can inspect and replay them; the partition moves on meanwhile.
 * A failure to park is thrown: the consumer then retries rather than lose the message.
 */
export class DeadLetterPublisher {
  private producer?: Producer;
  private readonly ensured = new Set<string>();

  constructor(private readonly client: KafkaClient) {}

  async publish(letter: DeadLetter): Promise<void> {
    const topic = deadLetterTopic(letter.topic);
    await this.ensureTopic(topic);
    if (!this.producer) {
      this.producer = this.client.kafka.producer({ allowAutoTopicCreation: false });
      await this.producer.connect();
    }
    await this.producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: letter.key,
          value: letter.value,
          headers: {
            ...letter.headers,
            'dlq-reason': letter.reason,
            'dlq-error': letter.error.slice(0, 1000),
            'dlq-group': letter.group,
            'dlq-topic': letter.topic,
            'dlq-partition': String(letter.partition),
            'dlq-offset': letter.offset,
          },
        },
      ],
    });
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
  }

  private async ensureTopic(topic: string): Promise<void> {
    if (this.ensured.has(topic)) return;
    await this.client.ensureTopicConfigs([{ topic, numPartitions: 1, replicationFactor: -1 }]);
    this.ensured.add(topic);
  }
}
