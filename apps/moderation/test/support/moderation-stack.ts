import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { KAFKA_TOPICS, type DanmakuSubmitted, type TopicDefinition } from '@danmaku/contracts';
import { KafkaClient, TypedConsumer, TypedProducer } from '@danmaku/kafka';
import {
  dropNamespace,
  expectEventually,
  freePort,
  httpJson,
  spawnApp,
  testInfra,
  uniqueId,
  type HttpResult,
  type RunningApp,
} from '@danmaku/testing';
import type { z } from 'zod';

/** Every message a test consumer saw on one topic, in order. */
export class TopicRecorder<S extends z.ZodType> {
  constructor(
    readonly consumer: TypedConsumer<S>,
    readonly seen: z.infer<S>[],
  ) {}
}

export interface Account {
  userId: string;
  token: string;
}

/**
 * The real auth and moderation apps (built `dist/`) on free ports, sharing a fresh
 * namespace so topics, groups and Redis keys never meet another suite's; plus a producer
 * of submissions and recorders of what moderation publishes.
 */
export class ModerationStack {
  readonly namespace = uniqueId('it-mod').toLowerCase();
  auth!: RunningApp;
  moderation!: RunningApp;
  kafka!: KafkaClient;
  producer!: TypedProducer;
  redis!: Redis;
  accepted!: TopicRecorder<typeof KAFKA_TOPICS.danmakuAccepted.schema>;
  rejected!: TopicRecorder<typeof KAFKA_TOPICS.danmakuRejected.schema>;
  roomEvents!: TopicRecorder<typeof KAFKA_TOPICS.roomEvents.schema>;
  admin!: Account;
  private readonly adminPassword = `pw-${randomBytes(8).toString('hex')}`;
  private readonly consumers: TypedConsumer<z.ZodType>[] = [];
  private modEnv: Record<string, string> = {};

  constructor(private readonly moderationEnv: Record<string, string> = {}) {}

  get url(): string {
    return this.moderation.url;
  }

  /** Base URL of moderation's metrics listener. */
  get metricsUrl(): string {
    return this.moderation.metricsUrl;
  }

  async start(): Promise<void> {
    const infra = testInfra();
    const common = {
      DANMAKU_NAMESPACE: this.namespace,
      KAFKA_BROKERS: infra.kafkaBrokers,
      REDIS_URL: infra.redisUrl,
    };
    const [authPort, modPort] = [await freePort(), await freePort()];
    this.auth = await spawnApp('auth', {
      port: authPort,
      env: { ...common, ADMIN_USERNAME: 'it_admin', ADMIN_PASSWORD: this.adminPassword },
    });
    this.modEnv = {
      ...common,
      AUTH_JWKS_URL: `http://127.0.0.1:${authPort}/.well-known/jwks.json`,
      ...this.moderationEnv,
    };
    this.moderation = await spawnApp('moderation', { port: modPort, env: this.modEnv });
    this.redis = new Redis(infra.redisUrl, { keyPrefix: `${this.namespace}:`, maxRetriesPerRequest: 2 });
    this.kafka = new KafkaClient({
      brokers: infra.kafkaBrokers.split(','),
      clientId: `it-${this.namespace}`,
      namespace: this.namespace,
    });
    this.producer = new TypedProducer(this.kafka);
    await this.producer.connect();
    this.accepted = await this.record(KAFKA_TOPICS.danmakuAccepted);
    this.rejected = await this.record(KAFKA_TOPICS.danmakuRejected);
    this.roomEvents = await this.record(KAFKA_TOPICS.roomEvents);
    await expectEventually(() => expect(this.consumers.every((c) => c.isReady)).toBe(true), {
      timeoutMs: 30_000,
    });
    const login = await httpJson('POST', `${this.auth.url}/v1/auth/login`, {
      body: { username: 'it_admin', password: this.adminPassword },
    });
    expect(login.status).toBe(200);
    const me = await httpJson('GET', `${this.auth.url}/v1/auth/me`, { token: login.body.accessToken });
    this.admin = { userId: me.body.userId, token: login.body.accessToken };
  }

  /** Kills moderation without warning (a crash) and starts a new process on the same namespace. */
  async crashAndRestartModeration(): Promise<void> {
    await this.moderation.stop('SIGKILL');
    this.moderation = await spawnApp('moderation', {
      port: await freePort(),
      env: this.modEnv,
      readyTimeoutMs: 90_000,
    });
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.consumers.map((c) => c.stop()));
    await this.producer?.disconnect().catch(() => undefined);
    await Promise.allSettled([this.moderation?.stop(), this.auth?.stop()]);
    this.redis?.disconnect();
    await dropNamespace(this.namespace);
  }

  /** A fresh user account (role `user`) and its token. */
  async user(prefix = 'u'): Promise<Account> {
    const username = `${prefix}_${randomBytes(5).toString('hex')}`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const reg = await httpJson('POST', `${this.auth.url}/v1/auth/register`, { body: { username, password } });
    expect(reg.status).toBe(201);
    const login = await httpJson('POST', `${this.auth.url}/v1/auth/login`, { body: { username, password } });
    expect(login.status).toBe(200);
    return { userId: reg.body.userId, token: login.body.accessToken };
  }

  async guestToken(): Promise<string> {
    const res = await httpJson('POST', `${this.auth.url}/v1/auth/guest`, { body: {} });
    expect(res.status).toBe(200);
    return res.body.accessToken;
  }

  /** A moderation API call, as `token` (the admin's when omitted). */
  api<T = any>(
    method: string,
    path: string,
    opts: { body?: unknown; rawBody?: string; token?: string | null } = {},
  ): Promise<HttpResult<T>> {
    const token = opts.token === undefined ? this.admin.token : (opts.token ?? undefined);
    return httpJson<T>(method, `${this.moderation.url}${path}`, {
      body: opts.body,
      rawBody: opts.rawBody,
      token,
    });
  }

  submission(roomId: string, text: string, over: Partial<DanmakuSubmitted> = {}): DanmakuSubmitted {
    return {
      id: randomUUID(),
      roomId,
      userId: `viewer-${randomBytes(4).toString('hex')}`,
      nickname: 'Viewer',
      text,
      mode: 'scroll',
      color: '#ffffff',
      size: 'medium',
      nonce: randomBytes(6).toString('hex'),
      sentAt: Date.now(),
      origin: { instanceId: 'it-gateway', socketId: 'it-socket' },
      ...over,
    };
  }

  async submit(...subs: DanmakuSubmitted[]): Promise<void> {
    await this.producer.publish(KAFKA_TOPICS.danmakuSubmitted, ...subs);
  }

  /** Waits until every submission has been accepted or rejected; returns the decisions by id. */
  async decided(subs: DanmakuSubmitted[], timeoutMs = 15_000) {
    return expectEventually(
      () => {
        const out = subs.map((s) => ({
          accepted: this.accepted.seen.filter((a) => a.danmaku.id === s.id),
          rejected: this.rejected.seen.filter((r) => r.id === s.id),
        }));
        for (const [i, o] of out.entries()) {
          if (o.accepted.length + o.rejected.length === 0)
            throw new Error(`submission ${i} (${subs[i].text}) not decided yet`);
        }
        return out;
      },
      { timeoutMs },
    );
  }

  private async record<S extends z.ZodType>(topic: TopicDefinition<S>): Promise<TopicRecorder<S>> {
    const seen: z.infer<S>[] = [];
    const consumer = new TypedConsumer(this.kafka, {
      topic,
      app: 'it',
      purpose: `record-${randomBytes(4).toString('hex')}`,
      fromBeginning: true,
      handleBatch: async (messages) => {
        seen.push(...messages.map((m) => m.value));
      },
    });
    const recorder = new TopicRecorder(consumer, seen);
    // Moderation created the topics at start; wait until it had (it is ready, so it did).
    await consumer.start();
    this.consumers.push(consumer as unknown as TypedConsumer<z.ZodType>);
    return recorder;
  }
}
