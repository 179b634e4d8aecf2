import type { z } from 'zod';
import type { TopicDefinition } from '@danmaku/contracts';
import { TypedConsumer, type KafkaClient } from '@danmaku/kafka';

/** Offsets `[low, high)` of one partition when the snapshot was taken. */
export interface PartitionSpan {
  partition: number;
  low: number;
  high: number;
}

export interface ReadProgress {
  /** Messages of the snapshot read so far (handled or skipped as invalid). */
  read: number;
  /** Messages in the snapshot: sum over partitions of high - low. */
  total: number;
}

/** A topic read once from its oldest retained message to a snapshot of its end. */
export interface LogReader<T> {
  readonly name: string;
  /** Checks Kafka answers and the topic exists (creating it if needed): fails before anything is wiped. */
  prepare(): Promise<void>;
  snapshot(): Promise<PartitionSpan[]>;
  progress(): ReadProgress;
  /** Resolves once every message of the snapshot went through `handle` (which may throw to retry). */
  read(handle: (values: T[]) => Promise<void>): Promise<void>;
  /** Stops reading and removes what reading left in Kafka (its consumer group). */
  dispose(): Promise<void>;
}

const GROUP_DELETE_ATTEMPTS = 10;

/**
 * Reads a topic with a throw-away consumer group (`replay.<purpose>`, unique per run) from the
 * beginning up to the high watermarks taken by `snapshot()`. Built on TypedConsumer, so it
 * has the same guarantees as the live consumers: ordered partition batches, invalid messages
 * skipped, a failing batch retried until it succeeds.
 */
export class TopicReader<S extends z.ZodType> implements LogReader<z.infer<S>> {
  readonly name: string;
  private spans: PartitionSpan[] = [];
  /** Partition → the next offset not yet read. */
  private readonly next = new Map<number, number>();
  private consumer: TypedConsumer<S> | undefined;
  private inFlight = 0;
  private lastProgressAt = Date.now();

  constructor(
    private readonly client: KafkaClient,
    private readonly topic: TopicDefinition<S>,
    private readonly purpose: string,
    private readonly stallTimeoutMs: number,
  ) {
    this.name = topic.name;
  }

  async prepare(): Promise<void> {
    await this.client.ensureTopics([this.topic]);
  }

  async snapshot(): Promise<PartitionSpan[]> {
    const admin = this.client.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.client.topic(this.topic));
      this.spans = offsets
        .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
        .sort((a, b) => a.partition - b.partition);
    } finally {
      await admin.disconnect();
    }
    for (const s of this.spans) this.next.set(s.partition, s.low);
    return this.spans;
  }

  progress(): ReadProgress {
    let read = 0;
    let total = 0;
    for (const s of this.spans) {
      total += s.high - s.low;
      read += Math.min(s.high, this.next.get(s.partition) ?? s.low) - s.low;
    }
    return { read, total };
  }

  private get reachedSnapshot(): boolean {
    return this.spans.every((s) => (this.next.get(s.partition) ?? s.low) >= s.high);
  }

  async read(handle: (values: z.infer<S>[]) => Promise<void>): Promise<void> {
    if (this.reachedSnapshot) return;
    let settle!: (error?: Error) => void;
    const finished = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    const check = () => {
      if (this.inFlight === 0 && this.reachedSnapshot) settle();
    };
    const advance = (partition: number, offset: string) => {
      const after = Number(offset) + 1;
      if (after > (this.next.get(partition) ?? 0)) {
        this.next.set(partition, after);
        this.lastProgressAt = Date.now();
      }
    };
    this.consumer = new TypedConsumer(this.client, {
      topic: this.topic,
      app: 'replay',
      purpose: this.purpose,
      fromBeginning: true,
      handleBatch: async (messages) => {
        this.inFlight++;
        try {
          await handle(messages.map((m) => m.value));
          for (const m of messages) advance(m.partition, m.offset);
        } finally {
          this.inFlight--;
          check();
        }
      },
      // Invalid messages are reported while the batch is decoded, just before its valid ones
      // are handed over (synchronously): checking on the next turn sees that batch in flight.
      onSkip: ({ partition, offset }) => {
        advance(partition, offset);
        setImmediate(check);
      },
    });
    const watchdog = setInterval(() => {
      if (Date.now() - this.lastProgressAt > this.stallTimeoutMs) {
        settle(
          new Error(
            `${this.name}: no progress for ${Math.round(this.stallTimeoutMs / 1000)} s (Kafka or Redis away?)`,
          ),
        );
      }
    }, 1000);
    this.lastProgressAt = Date.now();
    try {
      // Together: a start that hangs (Kafka away) still ends with the watchdog's error.
      await Promise.all([this.consumer.start(), finished]);
    } finally {
      clearInterval(watchdog);
    }
  }

  /** Never throws: a group left behind is only a warning (it holds no data and expires). */
  async dispose(): Promise<void> {
    if (!this.consumer) return;
    const groupId = this.consumer.groupId;
    await this.consumer.stop().catch(() => undefined);
    this.consumer = undefined;
    const admin = this.client.kafka.admin();
    try {
      await admin.connect();
      // The group empties once the member's leave is processed: retry while it is not empty.
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.deleteGroups([groupId]);
          return;
        } catch (error) {
          if (attempt >= GROUP_DELETE_ATTEMPTS) throw error;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } catch (error) {
      this.client.logger.warn(
        { group: groupId, error: String(error) },
        'could not delete the rebuild consumer group',
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
