import type { Consumer, KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import type { TopicDefinition } from '@danmaku/contracts';
import { consumerGroup } from '@danmaku/contracts';
import type { KafkaClient } from './kafka-client';
import { SkipMessageError } from './errors';

export interface ConsumedMessage<T> {
  value: T;
  key: string | null;
  partition: number;
  offset: string;
  timestamp: number;
}

export interface BatchContext {
  topic: string;
  partition: number;
  heartbeat(): Promise<void>;
}

export interface TypedConsumerOptions<S extends z.ZodType> {
  topic: TopicDefinition<S>;
  /** `<app>.<purpose>`; the namespace is added here. */
  app: string;
  purpose: string;
  /** Where a brand-new group starts. Existing groups always resume from their commits. */
  fromBeginning: boolean;
  /** Called with a partition's messages in order; must be idempotent (it may see them again). */
  handleBatch(messages: ConsumedMessage<z.infer<S>>[], ctx: BatchContext): Promise<void>;
  /** Told about every message moved past without handling (bad payload or SkipMessageError). */
  onSkip?(info: { partition: number; offset: string; reason: string; error: string }): void;
  maxRetryDelayMs?: number;
  /** Partitions handled at once (each still in order); 1 by default. */
  partitionsConsumedConcurrently?: number;
  /**
   * Whether the group commits its offsets (default true). A consumer whose group lives as
   * long as its process (a per-instance reader that always starts at the live edge) has
   * nothing to resume from, so committing would only cost a request per batch.
   */
  commitOffsets?: boolean;
  /**
   * Hand the partition batches of one fetch to `handleBatch` together, as one call (each
   * partition's messages stay in order, one after the other). With many rooms spread over
   * the partitions, one call then costs one Redis round trip and one produce for the whole
   * fetch instead of one per partition. Off by default. `ctx.partition` is the first
   * partition's; `ctx.heartbeat` beats for all of them.
   */
  coalescePartitions?: boolean;
  /**
   * Commit resolved offsets at most this often (ms) instead of after every batch. Offsets are
   * still only resolved once their batch's work is done; a crash just redelivers a little more.
   */
  commitIntervalMs?: number;
  /**
   * Fetch tuning for consumers that are not on the live path (replay's store): the broker
   * holds a fetch until it has `minBytes` or `maxWaitTimeInMs` passed, so a busy topic is
   * read in few large batches. Defaults: 1 byte and 1 s: the broker answers as soon as
   * anything is there, so the wait only bounds an empty long poll (a quiet consumer costs
   * one fetch a second instead of ten; latency is unchanged).
   */
  minBytes?: number;
  maxWaitTimeInMs?: number;
  /**
   * Paces the fetch loop like a merge window: a batch handled sooner than this after its
   * fetch holds the next fetch back for the rest. Quiet topics are unaffected (a lone
   * message is handled at once); a busy one is read in at most 1000/minCycleMs batches a
   * second, each carrying more, so the per-batch costs (a fetch, Redis round trips, a
   * produce) are shared by more messages. Off (0) by default.
   */
  minCycleMs?: number;
  /**
   * Fetch the next batch while the previous one is still being handled (default off). Each
   * partition's batches are still handled one after the other, in order, and an offset is
   * committed only once its batch's work is done (in order, every `commitIntervalMs`, and
   * at stop), never when it was merely fetched: a crash redelivers the work in flight.
   * Needs `commitOffsets` (the default).
   */
  pipelined?: boolean;
  /**
   * Group membership timing. A member that stops heartbeating (a killed process) loses its
   * partitions after `sessionTimeoutMs` (default 15 s; the broker's
   * `group.min.session.timeout.ms` is the floor); heartbeats go every `heartbeatIntervalMs`.
   */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

/** One fetched partition batch, decoded, on its way through the handler. */
interface BatchWork<T> {
  topic: string;
  partition: number;
  decoded: ConsumedMessage<T>[];
  raw: Map<string, KafkaMessage>;
  undecodable: { m: KafkaMessage; reason: string; error: string }[];
  ctx: BatchContext;
  /** False once the consumer stops or the partition was handed to another member. */
  current(): boolean;
}

interface CoalescedGroup<T> {
  parts: ConsumedMessage<T>[][];
  heartbeats: (() => Promise<void>)[];
  done: Promise<void>;
}

/**
 * Consumes one topic in partition batches with at-least-once delivery:
 * offsets are committed only after the handler finished the batch.
 *
 * Retry vs skip, per message: a message whose JSON or schema is invalid can never succeed,
 * and neither can one for which the handler throws `SkipMessageError` (found by halving
 * the batch): such a message is parked on `<topic>.dlq` with why in its headers, counted
 * (`kafka_consumer_skipped_total` through the client's metrics sink, and `onSkip`), and the
 * rest of the batch is handled. Any other error is transient (Redis or Kafka away): the
 * batch is retried with capped exponential backoff, without committing, so order and
 * durability hold. Lag per partition goes to the sink as `kafka_consumer_lag`.
 */
export class TypedConsumer<S extends z.ZodType> {
  private consumer?: Consumer;
  private stopping = false;
  private joined = false;
  private group?: CoalescedGroup<z.infer<S>> & { settle(error?: unknown): void };
  /** Pipelined mode: each partition's last batch in hand, and the offsets done but not committed. */
  private readonly tails = new Map<number, Promise<void>>();
  private readonly done = new Map<number, string>();
  private readonly highest = new Map<number, number>();
  private commitTimer?: NodeJS.Timeout;
  private committing = false;
  readonly groupId: string;
  private heartbeatEvery = 1500;

  constructor(
    private readonly client: KafkaClient,
    private readonly options: TypedConsumerOptions<S>,
  ) {
    this.groupId = consumerGroup(options.app, options.purpose, client.namespace);
  }

  /**
   * The kafkajs consumer, made at the first start: a session timeout below the broker's
   * floor (`group.min.session.timeout.ms`, 6 s by default) would make every join fail, so
   * the floor is asked for and used instead, with a warning.
   */
  private async kafkaConsumer(): Promise<Consumer> {
    if (this.consumer) return this.consumer;
    let sessionTimeout = this.options.sessionTimeoutMs ?? 15000;
    if (sessionTimeout < DEFAULT_BROKER_MIN_SESSION_TIMEOUT_MS) {
      const floor = await this.client.minSessionTimeoutMs();
      if (sessionTimeout < floor) {
        this.client.logger.warn(
          { group: this.groupId, wanted: sessionTimeout, floor },
          'session timeout below the broker floor (group.min.session.timeout.ms): using the floor',
        );
        sessionTimeout = floor;
      }
    }
    this.heartbeatEvery = this.options.heartbeatIntervalMs ?? Math.min(1500, Math.floor(sessionTimeout / 5));
    const consumer = this.client.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout,
      heartbeatInterval: this.heartbeatEvery,
      rebalanceTimeout: 30000,
      allowAutoTopicCreation: false,
      minBytes: this.options.minBytes ?? 1,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? 1000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    consumer.on(consumer.events.GROUP_JOIN, () => (this.joined = true));
    consumer.on(consumer.events.CRASH, (e) =>
      this.client.logger.error(
        { group: this.groupId, error: String(e.payload.error) },
        'kafka consumer crashed',
      ),
    );
    this.consumer = consumer;
    return consumer;
  }

  /** True once the consumer joined its group and got its partitions. */
  get isReady(): boolean {
    return this.joined && !this.stopping;
  }

  async start(): Promise<void> {
    const topic = this.client.topic(this.options.topic);
    const commit = this.options.commitOffsets ?? true;
    const pipelined = commit && (this.options.pipelined ?? false);
    if (!this.options.fromBeginning && commit) await this.pinLiveEdgeForNewGroup(topic);
    const consumer = await this.kafkaConsumer();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: this.options.fromBeginning });
    if (pipelined && !this.commitTimer) this.startCommitTimer(topic);
    await consumer.run({
      // A pipelined consumer commits by itself: kafkajs would commit what was fetched.
      autoCommit: commit && !pipelined,
      ...(this.options.commitIntervalMs ? { autoCommitInterval: this.options.commitIntervalMs } : {}),
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        isRunning,
        isStale,
      }) => {
        const startedAt = Date.now();
        const last = batch.messages[batch.messages.length - 1];
        if (!last) return;
        const work = this.decodeBatch(
          topic,
          batch.partition,
          batch.messages,
          heartbeat,
          () => isRunning() && !isStale(),
        );
        const lag = Math.max(0, Number(batch.highWatermark) - 1 - Number(last.offset));
        this.client.options.metrics?.lag(
          { group: this.groupId, topic, partition: String(batch.partition) },
          lag,
        );
        if (pipelined) {
          // Fetch on at once (the next fetch starts where this batch ends) while the batch is
          // handled after its partition's previous one; return once that previous one is done,
          // so at most two batches per partition are in hand.
          resolveOffset(last.offset);
          const previous = this.tails.get(batch.partition) ?? Promise.resolve();
          const mine = previous.then(async () => {
            if (await this.handleUntilDone(work)) this.markDone(batch.partition, Number(last.offset) + 1);
          });
          const tail = mine.catch((error: unknown) =>
            this.client.logger.error(
              { group: this.groupId, partition: batch.partition, error: String(error) },
              'kafka batch abandoned',
            ),
          );
          this.tails.set(batch.partition, tail);
          await previous;
        } else {
          if (!(await this.handleUntilDone(work))) return;
          resolveOffset(last.offset);
          if (commit) await commitOffsetsIfNecessary();
        }
        await heartbeat();
        const rest = startedAt + (this.options.minCycleMs ?? 0) - Date.now();
        if (rest > 0 && isRunning()) await sleep(rest);
      },
    });
  }

  private decodeBatch(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    heartbeat: () => Promise<void>,
    current: () => boolean,
  ): BatchWork<z.infer<S>> {
    const decoded: ConsumedMessage<z.infer<S>>[] = [];
    const raw = new Map<string, KafkaMessage>();
    const undecodable: { m: KafkaMessage; reason: string; error: string }[] = [];
    for (const m of messages) {
      const result = this.decode(m);
      if ('value' in result) {
        raw.set(m.offset, m);
        decoded.push({
          value: result.value,
          key: m.key ? m.key.toString() : null,
          partition,
          offset: m.offset,
          timestamp: Number(m.timestamp),
        });
      } else undecodable.push({ m, ...result });
    }
    return { topic, partition, decoded, raw, undecodable, ctx: { topic, partition, heartbeat }, current };
  }

  /**
   * Parks what can never be decoded, then handles the rest (with per-message skips),
   * retrying transient failures with capped backoff until done. False when the consumer
   * stopped or lost the partition first (nothing of the batch may then be committed).
   */
  private async handleUntilDone(work: BatchWork<z.infer<S>>): Promise<boolean> {
    const { topic, partition, decoded, raw, undecodable, ctx } = work;
    let attempt = 0;
    let parked = 0;
    while (parked < undecodable.length || decoded.length > 0) {
      if (!work.current()) return false;
      try {
        for (; parked < undecodable.length; parked++) {
          const u = undecodable[parked];
          await this.skip(topic, partition, u.m, u.m.offset, u.reason, u.error);
        }
        if (decoded.length > 0) {
          await this.handleSkippingPoison(decoded, ctx, raw, this.options.coalescePartitions ?? false);
        }
        return true;
      } catch (error) {
        attempt++;
        const delay = Math.min(this.options.maxRetryDelayMs ?? 5000, 100 * 2 ** Math.min(attempt, 10));
        this.client.logger.warn(
          { group: this.groupId, partition, attempt, delay, error: String(error) },
          'kafka batch failed, retrying',
        );
        // Heartbeat through the wait, so a short session timeout does not drop the member.
        for (let waited = 0; waited < delay && work.current(); waited += this.heartbeatEvery) {
          await sleep(Math.min(this.heartbeatEvery, delay - waited));
          await ctx.heartbeat().catch(() => undefined);
        }
      }
    }
    return true;
  }

  /** Offsets only move forward (a batch redelivered after a rebalance never moves one back). */
  private markDone(partition: number, next: number): void {
    if (next <= (this.highest.get(partition) ?? -1)) return;
    this.highest.set(partition, next);
    this.done.set(partition, String(next));
  }

  /** Pipelined mode: commits the offsets whose work is done, every `commitIntervalMs`. */
  private startCommitTimer(topic: string): void {
    this.commitTimer = setInterval(() => void this.commitDone(topic), this.options.commitIntervalMs ?? 500);
    this.commitTimer.unref();
  }

  private async commitDone(topic: string): Promise<void> {
    if (this.committing || this.done.size === 0) return;
    const offsets = [...this.done].map(([partition, offset]) => ({ topic, partition, offset }));
    this.done.clear();
    this.committing = true;
    try {
      await this.consumer?.commitOffsets(offsets);
    } catch (error) {
      // Not the partitions' owner any more (a rebalance): their next owner redoes that work.
      this.client.logger.debug({ group: this.groupId, error: String(error) }, 'done offsets not committed');
    } finally {
      this.committing = false;
    }
  }

  /**
   * Joins the batch to the group of partition batches being collected in this turn of the
   * event loop (kafkajs starts the batches of one fetch together) and resolves when the
   * group's single `handleBatch` call has.
   */
  private coalesced(messages: ConsumedMessage<z.infer<S>>[], ctx: BatchContext): Promise<void> {
    if (!this.group) {
      let settle!: (error?: unknown) => void;
      const done = new Promise<void>(
        (resolve, reject) => (settle = (e) => (e === undefined ? resolve() : reject(e))),
      );
      const group = {
        parts: [] as ConsumedMessage<z.infer<S>>[][],
        heartbeats: [] as (() => Promise<void>)[],
        done,
        settle,
      };
      this.group = group;
      setImmediate(() => {
        if (this.group === group) this.group = undefined;
        const all = group.parts.length === 1 ? group.parts[0] : group.parts.flat();
        const heartbeat = async () => {
          await Promise.all(group.heartbeats.map((h) => h()));
        };
        this.options
          .handleBatch(all, { topic: ctx.topic, partition: all[0]?.partition ?? ctx.partition, heartbeat })
          .then(
            () => group.settle(),
            (e: unknown) => group.settle(e ?? new Error('batch failed')),
          );
      });
    }
    this.group.parts.push(messages);
    this.group.heartbeats.push(ctx.heartbeat);
    return this.group.done;
  }

  /**
   * A group without commits starts each partition at "latest" whenever it is assigned, so
   * messages produced while a brand-new group is still rebalancing (a second instance
   * joining) would be skipped. Committing the live edge once, before anyone consumes,
   * makes every later assignment resume from a commit instead.
   */
  private async pinLiveEdgeForNewGroup(topic: string): Promise<void> {
    const admin = this.client.kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
      const missing = new Set(committed.partitions.filter((p) => p.offset === '-1').map((p) => p.partition));
      if (missing.size === 0) return;
      const edges = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId: this.groupId,
        topic,
        partitions: edges
          .filter((e) => missing.has(e.partition))
          .map((e) => ({ partition: e.partition, offset: e.high })),
      });
    } catch (error) {
      // The group already has live members (another instance got here first): it owns the offsets.
      this.client.logger.debug({ group: this.groupId, error: String(error) }, 'live edge not pinned');
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Leaves the group. A pipelined consumer first lets the batches in hand finish (at most
   * `drainMs`) and commits them; work still running then is abandoned uncommitted, and the
   * partitions' next owner redoes it.
   */
  async stop(drainMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.commitTimer) {
      clearInterval(this.commitTimer);
      const drained = Promise.all(this.tails.values());
      await Promise.race([drained, sleep(drainMs)]);
      while (this.committing) await sleep(10);
      await this.commitDone(this.client.topic(this.options.topic));
    }
    await this.consumer?.disconnect();
  }

  /** The message's value, or why it can never be handled (it is then dead-lettered). */
  private decode(m: KafkaMessage): { value: z.infer<S> } | { reason: string; error: string } {
    if (!m.value) return { reason: 'empty', error: 'message has no value' };
    let json: unknown;
    try {
      json = JSON.parse(m.value.toString());
    } catch (e) {
      return { reason: 'bad-json', error: String(e) };
    }
    const parsed = this.options.topic.schema.safeParse(json);
    if (!parsed.success) return { reason: 'bad-schema', error: parsed.error.message };
    return { value: parsed.data };
  }

  /**
   * Runs the handler; when it says a message can never succeed (SkipMessageError), finds
   * which by halving the batch (handlers are idempotent, so re-running is safe) and
   * dead-letters only that message: one poison message never skips its neighbours nor
   * stalls its partition. Any other error is transient and goes back to the retry loop.
   */
  private async handleSkippingPoison(
    messages: ConsumedMessage<z.infer<S>>[],
    ctx: BatchContext,
    raw: Map<string, KafkaMessage>,
    coalesce: boolean,
  ): Promise<void> {
    try {
      await (coalesce ? this.coalesced(messages, ctx) : this.options.handleBatch(messages, ctx));
    } catch (error) {
      if (!(error instanceof SkipMessageError)) throw error;
      if (messages.length === 1) {
        const m = raw.get(messages[0].offset);
        await this.skip(ctx.topic, messages[0].partition, m, messages[0].offset, error.reason, error.message);
        return;
      }
      const half = Math.ceil(messages.length / 2);
      await this.handleSkippingPoison(messages.slice(0, half), ctx, raw, false);
      await this.handleSkippingPoison(messages.slice(half), ctx, raw, false);
    }
  }

  /** Parks a message on the dead-letter topic, then reports it (log, metric, onSkip). */
  private async skip(
    topic: string,
    partition: number,
    m: KafkaMessage | undefined,
    offset: string,
    reason: string,
    error: string,
  ): Promise<void> {
    await this.client.deadLetters.publish({
      topic,
      group: this.groupId,
      partition,
      offset,
      key: m?.key ?? null,
      value: m?.value ?? null,
      headers: m?.headers,
      reason,
      error,
    });
    this.client.logger.warn(
      { group: this.groupId, partition, offset, reason, error },
      'kafka message dead-lettered',
    );
    this.client.options.metrics?.skipped({ group: this.groupId, topic, reason });
    this.options.onSkip?.({ partition, offset, reason, error });
  }
}

/** Kafka's default `group.min.session.timeout.ms`: timeouts at or above it need no check. */
const DEFAULT_BROKER_MIN_SESSION_TIMEOUT_MS = 6000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
