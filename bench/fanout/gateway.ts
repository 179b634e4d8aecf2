/**
 * One gateway process of the fan-out benchmark: a plain Socket.IO server (no auth, no
 * moderation, no merging) whose only variable is how a room's danmaku reaches the sockets
 * of the room on every gateway (FANOUT_DESIGN):
 *
 *   classic — `createAdapter` of @socket.io/redis-adapter: `io.to(room).emit` publishes to
 *             Redis, and every gateway (pattern subscription) receives every room's message;
 *   sharded — `createShardedAdapter`: SPUBLISH on the room's own channel (Redis 7 sharded
 *             pub/sub), only the gateways holding a socket of the room are subscribed;
 *   kafka   — the gateway produces the danmaku to a topic keyed by room; every gateway
 *             consumes every partition in a consumer group of its own (live edge, no
 *             commits, ADR 0008) and emits to its own sockets with `io.local.to(room)`.
 *
 * A danmaku enters at the gateway its sender is connected to (`danmaku:send`, acked once it
 * is handed to the fan-out layer), like the gateway's submit path does. Forked by run.ts with
 * an IPC channel: reports `{ type: 'ready', port }` once it can deliver, exits when the
 * channel closes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { Server } from 'socket.io';
import { DESIGNS, type Design } from './designs';

interface Message {
  id: string;
  roomId: string;
  userId: string;
  text: string;
  mode: string;
  color: string;
  size: string;
  sentAt: number;
}
interface ClientToServer {
  'room:join': (payload: unknown, ack: (res: unknown) => void) => void;
  'danmaku:send': (payload: unknown, ack: (res: unknown) => void) => void;
}
interface ServerToClient {
  danmaku: (message: Message) => void;
}

const design = process.env['FANOUT_DESIGN'] as Design;
if (!DESIGNS.includes(design)) throw new Error(`FANOUT_DESIGN must be one of ${DESIGNS.join('|')}`);
const name = process.env['FANOUT_NAME'] ?? 'gateway';
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
/** Adapter channel prefix, Kafka topic and group prefix: unique per benchmark run. */
const key = process.env['FANOUT_KEY'] ?? 'bench-fanout';
const topic = process.env['FANOUT_TOPIC'] ?? `${key}.danmaku`;

const isRoomId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64;
const room = (roomId: string) => `room:${roomId}`;

const http = createServer((_req, res) => res.writeHead(404).end());
const redis: Redis[] = [];
const io = new Server<ClientToServer, ServerToClient>(http, { maxHttpBufferSize: 16_384 });

/**
 * The adapter subscribes at once, so both clients must be ready first: a (s/p)subscribe
 * issued while ioredis still runs its ready check crashes the process
 * (https://github.com/redis/ioredis/issues/2037).
 */
async function attachAdapter(): Promise<void> {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  redis.push(pub, sub);
  await Promise.all([pub, sub].map((r) => new Promise((resolve) => r.once('ready', resolve))));
  io.adapter(
    design === 'classic'
      ? createAdapter(pub, sub, { key })
      : createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: 'dynamic' }),
  );
}

const kafka = new Kafka({ clientId: `${key}-${name}`, brokers, logLevel: logLevel.WARN });
let producer: Producer | undefined;
let consumer: Consumer | undefined;

/**
 * Produces what was queued while the previous request was in flight, as one request: no
 * fixed linger, so a quiet gateway sends each danmaku at once and a busy one batches.
 */
class TopicPublisher {
  private queue: Array<{ message: Message; done: (ok: boolean) => void }> = [];
  private inFlight = false;

  constructor(private readonly p: Producer) {}

  publish(message: Message): Promise<boolean> {
    return new Promise((done) => {
      this.queue.push({ message, done });
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight = true;
    this.p
      .send({
        topic,
        acks: 1,
        messages: batch.map((b) => ({ key: b.message.roomId, value: JSON.stringify(b.message) })),
      })
      .then(
        () => batch.forEach((b) => b.done(true)),
        () => batch.forEach((b) => b.done(false)),
      )
      .finally(() => {
        this.inFlight = false;
        this.flush();
      });
  }
}
let publisher: TopicPublisher | undefined;

io.on('connection', (socket) => {
  const userId =
    typeof socket.handshake.auth['userId'] === 'string' ? String(socket.handshake.auth['userId']) : socket.id;

  socket.on('room:join', (payload, ack) => {
    if (typeof ack !== 'function') return;
    const roomId = (payload as { roomId?: unknown } | null)?.roomId;
    if (!isRoomId(roomId)) return ack({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    void socket.join(room(roomId));
    ack({ ok: true, roomId });
  });

  socket.on('danmaku:send', (payload, ack) => {
    if (typeof ack !== 'function') return;
    const p = (payload ?? {}) as Record<string, unknown>;
    const text = typeof p['text'] === 'string' ? p['text'] : '';
    if (!isRoomId(p['roomId']) || text.length === 0 || text.length > 100) {
      return ack({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    }
    const message: Message = {
      id: randomUUID(),
      roomId: p['roomId'],
      userId,
      text,
      mode: 'scroll',
      color: '#ffffff',
      size: 'medium',
      sentAt: Date.now(),
    };
    if (publisher) {
      void publisher.publish(message).then((ok) => ack(ok ? { ok: true, id: message.id } : { ok: false }));
    } else {
      io.to(room(message.roomId)).emit('danmaku', message);
      ack({ ok: true, id: message.id });
    }
  });
});

/** Joins a group of its own and resolves once the first fetch is answered (the live edge is fixed). */
async function startConsumer(): Promise<void> {
  const c = kafka.consumer({
    groupId: `${key}.gateway-fanout.${name}.${randomBytes(3).toString('hex')}`,
    maxWaitTimeInMs: 500,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  consumer = c;
  await c.connect();
  await c.subscribe({ topic, fromBeginning: false });
  const fetched = new Promise<void>((resolve) => {
    const off = c.on(c.events.FETCH, () => {
      off();
      resolve();
    });
  });
  await c.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        if (!m.value) continue;
        const message = JSON.parse(m.value.toString()) as Message;
        io.local.to(room(message.roomId)).emit('danmaku', message);
      }
    },
  });
  await fetched;
}

async function main(): Promise<void> {
  if (design !== 'kafka') await attachAdapter();
  else {
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    publisher = new TopicPublisher(producer);
    await startConsumer();
  }
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ type: 'ready', port });
  process.stdout.write(`${name} (${design}) listening on ${port}\n`);
}

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  void io.close();
  for (const r of redis) r.disconnect();
  void Promise.allSettled([consumer?.disconnect(), producer?.disconnect()]).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', () => undefined); // the orchestrator decides when we stop (Ctrl-C reaches the whole group)

main().catch((e: unknown) => {
  process.stderr.write(`${name}: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
