import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { KAFKA_TOPICS, type AuthSessionEvent } from '@danmaku/contracts';
import { KafkaClient, TypedProducer } from '@danmaku/kafka';
import { APP_LOGGER, ReadinessService } from '@danmaku/platform';
import { AuthMetrics } from '../metrics/auth-metrics.service';
import { SessionOutboxRepository } from './session-outbox.repository';

const TICK_MS = 2_000;
const OUTBOX_BATCH = 100;
/**
 * How long a revocation waits for Kafka before parking its event instead: kafkajs keeps
 * retrying a send for much longer, and a logout should not hang on it. If that send still
 * lands, the event is delivered twice, which consumers tolerate.
 */
const PUBLISH_WAIT_MS = 5_000;

/** The producer this publisher uses (a TypedProducer of the app's KafkaClient). */
export const SESSION_EVENTS_PRODUCER = Symbol('SESSION_EVENTS_PRODUCER');
export type SessionEventsProducer = Pick<TypedProducer, 'connect' | 'disconnect' | 'publish' | 'isConnected'>;
export type TopicAdmin = Pick<KafkaClient, 'ensureTopics'>;

/**
 * Publishes `auth.sessions.v1` (gateways drop the sockets of a revoked session).
 * Connects in the background and keeps reconnecting, so a Kafka outage makes auth
 * unready instead of dead; events Kafka refuses wait in the Redis outbox and are
 * retried on every tick by whichever instance gets them first.
 */
@Injectable()
export class SessionEventsPublisher implements OnModuleInit, OnApplicationShutdown {
  private topicsReady = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    @Inject(KafkaClient) private readonly kafka: TopicAdmin,
    @Inject(SESSION_EVENTS_PRODUCER) private readonly producer: SessionEventsProducer,
    private readonly outbox: SessionOutboxRepository,
    private readonly readiness: ReadinessService,
    private readonly metrics: AuthMetrics,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.readiness.register('kafka-producer', () => this.topicsReady && this.producer.isConnected);
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.producer.disconnect().catch(() => undefined);
  }

  /**
   * Resolves once the event is in Kafka or, failing that, parked in the outbox; rejects
   * only when neither store takes it.
   */
  async publish(event: AuthSessionEvent): Promise<void> {
    try {
      if (!this.topicsReady) throw new Error('kafka not connected yet');
      await withTimeout(this.producer.publish(KAFKA_TOPICS.authSessions, event), PUBLISH_WAIT_MS);
    } catch (err) {
      this.logger.warn(
        { err: errorText(err), sessionId: event.sessionId },
        'session event deferred to the outbox',
      );
      await this.outbox.append([event]);
      this.metrics.eventsDeferred(1);
    }
  }

  /** One maintenance pass: (re)connect, then drain the outbox. Exposed for tests. */
  async tick(): Promise<void> {
    if (!this.topicsReady || !this.producer.isConnected) {
      if (!this.topicsReady) await this.kafka.ensureTopics([KAFKA_TOPICS.authSessions]);
      await this.producer.connect();
      this.topicsReady = true;
    }
    for (;;) {
      const events = await this.outbox.take(OUTBOX_BATCH);
      if (events.length === 0) return;
      try {
        await this.producer.publish(KAFKA_TOPICS.authSessions, ...events);
      } catch (err) {
        await this.outbox.putBack(events);
        throw err;
      }
      this.logger.info({ count: events.length }, 'published deferred session events');
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick().then(
        () => this.schedule(TICK_MS),
        (err: unknown) => {
          if (!this.stopped) this.logger.warn({ err: errorText(err) }, 'kafka producer not usable, retrying');
          this.schedule(TICK_MS);
        },
      );
    }, delayMs);
    this.timer.unref();
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`kafka did not answer within ${ms} ms`)), ms);
  });
  // The losing send may still fail later; that outcome is already handled by the outbox.
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
