import { randomUUID } from 'node:crypto';
import { KAFKA_TOPICS, type Danmaku, type RoomEvent } from '@danmaku/contracts';
import { KafkaClient, TypedProducer } from '@danmaku/kafka';
import {
  dropNamespace,
  freePort,
  httpJson,
  spawnApp,
  testInfra,
  uniqueId,
  type RunningApp,
} from '@danmaku/testing';

/**
 * A real replay process on a free port, in its own namespace (topics, groups and Redis
 * keys of its own), plus a real producer to feed it accepted danmaku and room events.
 */
export class ReplayHarness {
  readonly namespace = uniqueId('it-replay').toLowerCase();
  readonly infra = testInfra();
  readonly kafka = new KafkaClient({
    brokers: this.infra.kafkaBrokers.split(','),
    clientId: 'replay-it',
    namespace: this.namespace,
  });
  readonly producer = new TypedProducer(this.kafka);
  app!: RunningApp;
  private readonly seqs = new Map<string, number>();

  async start(): Promise<void> {
    await this.kafka.ensureTopics([KAFKA_TOPICS.danmakuAccepted, KAFKA_TOPICS.roomEvents]);
    await this.producer.connect();
    await this.startApp();
  }

  async startApp(env: Record<string, string> = {}): Promise<void> {
    this.app = await spawnApp('replay', {
      port: await freePort(),
      env: {
        DANMAKU_NAMESPACE: this.namespace,
        KAFKA_BROKERS: this.infra.kafkaBrokers,
        REDIS_URL: this.infra.redisUrl,
        ...env,
      },
    });
  }

  /** Stops the app and removes what this namespace left in Kafka and Redis. */
  async stop(): Promise<void> {
    await this.app?.stop();
    await this.producer.disconnect().catch(() => undefined);
    await dropNamespace(this.namespace);
  }

  /** A danmaku with the room's next seq (or the given one); `offsetMs` null means no session. */
  danmaku(roomId: string, options: Partial<Danmaku> & { sessionStart?: number } = {}): Danmaku {
    const { sessionStart = 1_700_000_000_000, ...over } = options;
    const seq = over.seq ?? (this.seqs.get(roomId) ?? 0) + 1;
    this.seqs.set(roomId, Math.max(seq, this.seqs.get(roomId) ?? 0));
    const offsetMs = over.offsetMs === undefined ? seq * 100 : over.offsetMs;
    return {
      id: randomUUID(),
      roomId,
      seq,
      userId: 'u-1',
      nickname: 'viewer',
      text: `message ${seq}`,
      mode: 'scroll',
      color: '#ffffff',
      size: 'medium',
      sentAt: sessionStart + (offsetMs ?? seq * 100),
      sessionId: offsetMs === null ? null : 's-1',
      offsetMs,
      ...over,
    };
  }

  async accept(...items: Danmaku[]): Promise<void> {
    await this.producer.publish(
      KAFKA_TOPICS.danmakuAccepted,
      ...items.map((danmaku) => ({ danmaku, decidedAt: Date.now() })),
    );
  }

  async roomEvent(...events: RoomEvent[]): Promise<void> {
    await this.producer.publish(KAFKA_TOPICS.roomEvents, ...events);
  }

  get(path: string, headers?: Record<string, string>) {
    return httpJson('GET', `${this.app.url}${path}`, { headers });
  }

  /** Every item of a session's timeline, following cursors. */
  async allSessionDanmaku(roomId: string, sessionId: string, query = 'limit=1000'): Promise<Danmaku[]> {
    const items: Danmaku[] = [];
    let cursor: string | null = null;
    do {
      const c: string = cursor ? `&cursor=${cursor}` : '';
      const res = await this.get(`/v1/rooms/${roomId}/sessions/${sessionId}/danmaku?${query}${c}`);
      if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  }

  async sessions(
    roomId: string,
  ): Promise<{ sessionId: string; startedAt: number; endedAt: number | null; count: number }[]> {
    const res = await this.get(`/v1/rooms/${roomId}/sessions`);
    if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
    return res.body.items;
  }

  /** A counter's value from /metrics (summed over label sets matching `labels`). */
  async metric(name: string, labels = ''): Promise<number> {
    const res = await fetch(`${this.app.metricsUrl}/metrics`);
    const text = await res.text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name}{`) && line.includes(labels))
        sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }
}

export function roomId(prefix = 'room'): string {
  return uniqueId(prefix).replace(/[^A-Za-z0-9_-]/g, '_');
}
