import type { z } from 'zod';
import type { TopicDefinition } from '@danmaku/contracts';
import type { TypedProducer } from './typed-producer';

interface Pending<T> {
  message: T;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * Publishes single messages from many concurrent callers as few Kafka requests: while one
 * request is in flight, new messages queue up and leave together in the next one. There
 * is no fixed linger, so an idle system sends at once and a busy one batches by itself.
 * Each caller's promise settles with the request that carried its message; order is kept.
 */
export class BatchingPublisher<S extends z.ZodType> {
  private queue: Pending<z.infer<S>>[] = [];
  private inFlight = false;

  constructor(
    private readonly producer: TypedProducer,
    private readonly topic: TopicDefinition<S>,
    private readonly maxBatch = 1000,
    private readonly onBatch?: (size: number) => void,
  ) {}

  publish(message: z.infer<S>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.inFlight) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.onBatch?.(batch.length);
        try {
          await this.producer.publish(this.topic, ...batch.map((p) => p.message));
          for (const p of batch) p.resolve();
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.inFlight = false;
    }
  }
}
