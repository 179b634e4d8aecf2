import pino from 'pino';
import type { AuthSessionEvent } from '@danmaku/contracts';
import type { KafkaClient } from '@danmaku/kafka';
import { DomainException, MetricsService, ReadinessService } from '@danmaku/platform';
import { loadAuthConfig } from '../config/auth.config';
import { AuthMetrics } from '../metrics/auth-metrics.service';
import { SessionEventsPublisher, type SessionEventsProducer } from './session-events.publisher';
import type { SessionOutboxRepository } from './session-outbox.repository';
import type { NewSession, RefreshEntry, RotateOutcome, SessionRepository } from './session.repository';
import { SessionsService, hashRefreshToken } from './sessions.service';

const silent = pino({ level: 'silent' });
const config = loadAuthConfig({ ACCESS_TOKEN_TTL_SEC: '600', GUEST_TOKEN_TTL_SEC: '300' });

/** In-memory sessions with the repository's compare-and-swap rotation. */
class FakeSessions {
  sessions = new Map<string, { userId: string; refreshHash: string }>();
  refresh = new Map<string, RefreshEntry>();
  revoked = new Map<string, number>();

  async create(s: NewSession): Promise<void> {
    this.sessions.set(s.sessionId, { userId: s.userId, refreshHash: s.refreshHash });
    this.refresh.set(s.refreshHash, { sessionId: s.sessionId, userId: s.userId });
  }
  async findByRefreshHash(hash: string): Promise<RefreshEntry | null> {
    return this.refresh.get(hash) ?? null;
  }
  async rotate(entry: RefreshEntry, oldHash: string, newHash: string): Promise<RotateOutcome> {
    const s = this.sessions.get(entry.sessionId);
    if (!s) return 'missing';
    if (s.refreshHash !== oldHash) return 'reused';
    s.refreshHash = newHash;
    this.refresh.set(newHash, entry);
    return 'rotated';
  }
  async revoke(sessionId: string, _userId: string, ttl: number): Promise<void> {
    this.sessions.delete(sessionId);
    this.revoked.set(sessionId, ttl);
  }
  async liveSessionIds(userId: string): Promise<string[]> {
    return [...this.sessions].filter(([, s]) => s.userId === userId).map(([id]) => id);
  }
  async isRevoked(sessionId: string): Promise<boolean> {
    return this.revoked.has(sessionId);
  }
}

class FakeProducer implements SessionEventsProducer {
  published: AuthSessionEvent[] = [];
  failing = false;
  isConnected = false;
  async connect(): Promise<void> {
    if (this.failing) throw new Error('broker down');
    this.isConnected = true;
  }
  async disconnect(): Promise<void> {
    this.isConnected = false;
  }
  async publish(_topic: unknown, ...messages: unknown[]): Promise<void> {
    if (this.failing) throw new Error('broker down');
    this.published.push(...(messages as AuthSessionEvent[]));
  }
}

class FakeOutbox {
  items: AuthSessionEvent[] = [];
  async append(events: AuthSessionEvent[]): Promise<void> {
    this.items.push(...events);
  }
  async take(n: number): Promise<AuthSessionEvent[]> {
    return this.items.splice(0, n);
  }
  async putBack(events: AuthSessionEvent[]): Promise<void> {
    this.items.unshift(...events);
  }
}

function setup() {
  const repo = new FakeSessions();
  const producer = new FakeProducer();
  const outbox = new FakeOutbox();
  const readiness = new ReadinessService();
  const metrics = new AuthMetrics(new MetricsService());
  const kafka = { ensureTopics: jest.fn(async () => undefined) } as unknown as KafkaClient;
  const publisher = new SessionEventsPublisher(
    kafka,
    producer,
    outbox as unknown as SessionOutboxRepository,
    readiness,
    metrics,
    silent,
  );
  const service = new SessionsService(
    repo as unknown as SessionRepository,
    publisher,
    metrics,
    config,
    silent,
  );
  return { repo, producer, outbox, readiness, publisher, service, kafka };
}

async function rejection(p: Promise<unknown>): Promise<DomainException> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainException);
  return e as DomainException;
}

describe('SessionsService', () => {
  it('starts a session with a 32-byte base64url refresh token stored only hashed', async () => {
    const { service, repo } = setup();
    const { sessionId, refreshToken } = await service.start('u-1');
    expect(refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(repo.sessions.get(sessionId)).toEqual({
      userId: 'u-1',
      refreshHash: hashRefreshToken(refreshToken),
    });
    expect(JSON.stringify([...repo.refresh])).not.toContain(refreshToken);
  });

  it('rotates: the new token works, the old one is spent', async () => {
    const { service, publisher } = setup();
    await publisher.tick();
    const first = await service.start('u-1');
    const second = await service.rotate(first.refreshToken);
    expect(second).toMatchObject({ sessionId: first.sessionId, userId: 'u-1' });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const third = await service.rotate(second.refreshToken);
    expect(third.sessionId).toBe(first.sessionId);
  });

  it('revokes the whole session when a spent token is replayed', async () => {
    const { service, repo, producer, publisher } = setup();
    await publisher.tick();
    const first = await service.start('u-1');
    const second = await service.rotate(first.refreshToken);

    const err = await rejection(service.rotate(first.refreshToken));
    expect(err.code).toBe('UNAUTHORIZED');
    expect(repo.revoked.get(first.sessionId)).toBe(660); // max(600, 300) + 60
    expect(producer.published).toEqual([
      { type: 'session.revoked', sessionId: first.sessionId, userId: 'u-1', at: expect.any(Number) },
    ]);
    // The thief's successor token is dead too.
    expect((await rejection(service.rotate(second.refreshToken))).code).toBe('UNAUTHORIZED');
  });

  it('refuses unknown refresh tokens without revoking anything', async () => {
    const { service, repo, producer } = setup();
    expect((await rejection(service.rotate('nope'))).code).toBe('UNAUTHORIZED');
    expect(repo.revoked.size).toBe(0);
    expect(producer.published).toEqual([]);
  });

  it('revokes every live session of a user', async () => {
    const { service, repo, publisher, producer } = setup();
    await publisher.tick();
    const a = await service.start('u-1');
    const b = await service.start('u-1');
    const other = await service.start('u-2');
    expect(await service.revokeAllOf('u-1', 'role_change')).toBe(2);
    expect([...repo.revoked.keys()].sort()).toEqual([a.sessionId, b.sessionId].sort());
    expect(await service.isRevoked(other.sessionId)).toBe(false);
    expect(producer.published.map((e) => e.sessionId).sort()).toEqual([a.sessionId, b.sessionId].sort());
  });
});

describe('SessionEventsPublisher', () => {
  it('is unready until Kafka took the topic and the producer connected', async () => {
    const { readiness, publisher, producer, kafka } = setup();
    publisher.onModuleInit();
    await publisher.onApplicationShutdown(); // stop the background loop; drive ticks by hand
    producer.failing = true;
    await expect(publisher.tick()).rejects.toThrow('broker down');
    expect((await readiness.report()).checks['kafka-producer']).toBe(false);
    producer.failing = false;
    await publisher.tick();
    expect(kafka.ensureTopics).toHaveBeenCalled();
    expect((await readiness.report()).checks['kafka-producer']).toBe(true);
  });

  it('parks events in the outbox while Kafka is away and publishes them later, in order', async () => {
    const { publisher, producer, outbox } = setup();
    producer.failing = true;
    const e1: AuthSessionEvent = { type: 'session.revoked', sessionId: 's1', userId: 'u', at: 1 };
    const e2: AuthSessionEvent = { type: 'session.revoked', sessionId: 's2', userId: 'u', at: 2 };
    await publisher.publish(e1);
    await publisher.publish(e2);
    expect(outbox.items).toEqual([e1, e2]);

    await expect(publisher.tick()).rejects.toThrow();
    expect(outbox.items).toEqual([e1, e2]);

    producer.failing = false;
    await publisher.tick();
    expect(producer.published).toEqual([e1, e2]);
    expect(outbox.items).toEqual([]);
  });

  it('parks an event when Kafka does not answer in time, so a logout never hangs on it', async () => {
    const { publisher, producer, outbox } = setup();
    await publisher.tick();
    producer.publish = () => new Promise<void>(() => undefined);
    const e1: AuthSessionEvent = { type: 'session.revoked', sessionId: 's1', userId: 'u', at: 1 };
    jest.useFakeTimers();
    try {
      const done = publisher.publish(e1);
      await jest.advanceTimersByTimeAsync(4_999);
      expect(outbox.items).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      await done;
      expect(outbox.items).toEqual([e1]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('puts a batch back when publishing it fails mid-drain', async () => {
    const { publisher, producer, outbox } = setup();
    await publisher.tick();
    const e1: AuthSessionEvent = { type: 'session.revoked', sessionId: 's1', userId: 'u', at: 1 };
    outbox.items.push(e1);
    producer.failing = true;
    producer.isConnected = true; // looks connected, but the send fails
    await expect(publisher.tick()).rejects.toThrow('broker down');
    expect(outbox.items).toEqual([e1]);
  });
});
