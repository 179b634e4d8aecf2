import type { z } from 'zod';
import { TypedConsumer, type KafkaClient, type TypedConsumerOptions } from '@danmaku/kafka';
import type { ReadinessService } from '@danmaku/platform';

const MAX_START_DELAY_MS = 5000;

/**
 * A TypedConsumer with the app's lifecycle around it: started in the background (the HTTP
 * API serves stored history even while Kafka is away; `/readyz` says 503 until the consumer
 * joined its group), its topic ensured first, readiness wired. Lag and skips are counted
 * for every consumer alike (`kafka_consumer_lag`, `kafka_consumer_skipped_total`).
 */
export class ManagedConsumer<S extends z.ZodType> {
  private readonly consumer: TypedConsumer<S>;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KafkaClient,
    readiness: ReadinessService,
    private readonly options: Omit<TypedConsumerOptions<S>, 'onLag' | 'onSkip'>,
  ) {
    const name = `${options.app}.${options.purpose}`;
    this.consumer = new TypedConsumer(client, options);
    readiness.register(`kafka:${name}`, () => this.consumer.isReady);
  }

  start(): void {
    this.running ??= this.startWithRetry();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
    await this.consumer.stop().catch(() => undefined);
  }

  private async startWithRetry(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.client.ensureTopics([this.options.topic]);
        await this.consumer.start();
        return;
      } catch (error) {
        const delay = Math.min(MAX_START_DELAY_MS, 250 * 2 ** Math.min(attempt, 5));
        this.client.logger.warn(
          { group: this.consumer.groupId, attempt, delay, error: String(error) },
          'kafka consumer could not start, retrying',
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
