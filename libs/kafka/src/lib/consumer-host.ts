import type { z } from 'zod';
import type { KafkaClient } from './kafka-client';
import { TypedConsumer, type TypedConsumerOptions } from './typed-consumer';

const MAX_START_DELAY_MS = 5000;

/** Where a host reports whether each of its consumers is in its group (an app's `/readyz`). */
export interface ConsumerReadiness {
  register(name: string, check: () => boolean): void;
}

export interface HostedConsumerOptions<S extends z.ZodType> extends TypedConsumerOptions<S> {
  /**
   * The readiness check's name, `kafka:<app>.<name>` (default: the purpose). Give one to a
   * consumer whose purpose is unique per process (a per-instance group).
   */
  name?: string;
  /** Resolves when the consumer may start (e.g. once the app's producer is connected). */
  startAfter?: () => Promise<void>;
}

interface Hosted {
  consumer: TypedConsumer<z.ZodType>;
  options: HostedConsumerOptions<z.ZodType>;
  running?: Promise<void>;
}

/**
 * Owns the lifecycle of every Kafka consumer of a process: each is started in the
 * background (its topic ensured first, retried with capped backoff while Kafka is away, so
 * the HTTP API is up at once), reported to readiness as `kafka:<app>.<name>` until it has
 * joined its group, and stopped (its batches in hand drained) before the app's producers
 * close. Retry vs skip, lag and dead letters are the consumers' own (TypedConsumer).
 */
export class ConsumerHost {
  private readonly hosted: Hosted[] = [];
  private started = false;
  private stopping = false;
  private wakeStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.wakeStopped = resolve));

  constructor(
    private readonly client: KafkaClient,
    private readonly readiness?: ConsumerReadiness,
  ) {}

  /** Adds a consumer; it starts with the host (or at once when the host already started). */
  add<S extends z.ZodType>(options: HostedConsumerOptions<S>): TypedConsumer<S> {
    const consumer = new TypedConsumer(this.client, options);
    const entry: Hosted = {
      consumer: consumer as unknown as TypedConsumer<z.ZodType>,
      options: options as unknown as HostedConsumerOptions<z.ZodType>,
    };
    this.hosted.push(entry);
    this.readiness?.register(
      `kafka:${options.app}.${options.name ?? options.purpose}`,
      () => consumer.isReady,
    );
    if (this.started) this.launch(entry);
    return consumer;
  }

  /** Starts every consumer in the background. */
  start(): void {
    this.started = true;
    for (const entry of this.hosted) this.launch(entry);
  }

  /** Resolves once every consumer added so far has started (or the host stopped). */
  async whenStarted(): Promise<void> {
    await Promise.all(this.hosted.map((h) => h.running));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeStopped();
    await Promise.all(this.hosted.map((h) => h.running));
    await Promise.all(this.hosted.map((h) => h.consumer.stop().catch(() => undefined)));
  }

  private launch(entry: Hosted): void {
    entry.running ??= this.run(entry);
  }

  private async run({ consumer, options }: Hosted): Promise<void> {
    if (options.startAfter) await Promise.race([options.startAfter(), this.stopped]);
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.client.ensureTopics([options.topic]);
        if (this.stopping) return;
        await consumer.start();
        return;
      } catch (error) {
        const delay = Math.min(MAX_START_DELAY_MS, 250 * 2 ** Math.min(attempt, 5));
        this.client.logger.warn(
          { group: consumer.groupId, attempt, delay, error: String(error) },
          'kafka consumer could not start, retrying',
        );
        await Promise.race([sleep(delay), this.stopped]);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
