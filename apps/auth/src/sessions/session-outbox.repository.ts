import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { authSessionEventSchema, type AuthSessionEvent } from '@danmaku/contracts';
import { APP_LOGGER, REDIS } from '@danmaku/platform';
import { orUnavailable } from '../common/unavailable';

/** Private to auth: LIST of JSON AuthSessionEvent that Kafka did not take yet. */
export const SESSION_OUTBOX_KEY = 'auth:outbox:session-events';

/**
 * Revocations are decided in Redis first; their Kafka events must still reach the gateways
 * when Kafka is briefly away. Events wait here and any auth instance publishes them later.
 */
@Injectable()
export class SessionOutboxRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  async append(events: AuthSessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    await orUnavailable(this.logger, 'outbox.append', () =>
      this.redis.rpush(SESSION_OUTBOX_KEY, ...events.map((e) => JSON.stringify(e))),
    );
  }

  /** Removes and returns up to `count` of the oldest events (LPOP is atomic across instances). */
  async take(count: number): Promise<AuthSessionEvent[]> {
    const raw = await orUnavailable(this.logger, 'outbox.take', () =>
      this.redis.lpop(SESSION_OUTBOX_KEY, count),
    );
    const events: AuthSessionEvent[] = [];
    for (const item of raw ?? []) {
      const parsed = authSessionEventSchema.safeParse(safeJson(item));
      if (parsed.success) events.push(parsed.data);
      else this.logger.warn({ item: item.slice(0, 200) }, 'dropped an unreadable outbox entry');
    }
    return events;
  }

  /** Puts events that still could not be published back at the head, in their order. */
  async putBack(events: AuthSessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    await orUnavailable(this.logger, 'outbox.put-back', () =>
      this.redis.lpush(SESSION_OUTBOX_KEY, ...events.map((e) => JSON.stringify(e)).reverse()),
    );
  }

  length(): Promise<number> {
    return orUnavailable(this.logger, 'outbox.length', () => this.redis.llen(SESSION_OUTBOX_KEY));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
