import { Partitioners, type Producer } from 'kafkajs';
import type { z } from 'zod';
import type { TopicDefinition } from '@danmaku/contracts';
import type { KafkaClient } from './kafka-client';

export const HEADER_SCHEMA = 'schema';
export const HEADER_PRODUCER = 'producer';
export const HEADER_PRODUCED_AT = 'produced-at';

/**
 * Publishes schema-checked messages, keyed by their topic's key function.
 * `publish` resolves once every in-sync replica has the messages (acks = -1),
 * so a caller may tell its user "queued" only after it resolves.
 */
export class TypedProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(private readonly client: KafkaClient) {
    this.producer = client.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      // Retries are bounded so a caller can answer UNAVAILABLE; a retry may then duplicate a
      // message, which consumers absorb (every message carries its id; handlers are idempotent).
      // kafkajs' idempotent mode wants unbounded retries, so it is off.
      idempotent: false,
      // One request in flight keeps per-partition order through retries.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
    this.connected = false;
  }

  async publish<S extends z.ZodType>(topic: TopicDefinition<S>, ...messages: z.infer<S>[]): Promise<void> {
    if (messages.length === 0) return;
    const producedAt = String(Date.now());
    await this.producer.send({
      topic: this.client.topic(topic),
      acks: -1,
      messages: messages.map((m) => {
        // A message that fails its own schema is a bug in the caller: refuse it loudly.
        const checked = topic.schema.parse(m);
        return {
          key: topic.key(checked),
          value: JSON.stringify(checked),
          headers: {
            [HEADER_SCHEMA]: topic.name,
            [HEADER_PRODUCER]: this.client.options.clientId,
            [HEADER_PRODUCED_AT]: producedAt,
          },
        };
      }),
    });
  }
}
