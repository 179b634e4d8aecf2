/**
 * The baseline: how a developer would build a danmaku hub with Socket.IO out of the box
 * (the seeds' hub pattern): several Socket.IO servers joined by `@socket.io/redis-adapter`
 * on ioredis; a client joins a room, and every `danmaku:send` is checked minimally and
 * emitted to the room right away, one event per message. No Kafka, no moderation, no
 * merging, no per-socket buffers. Idiomatic defaults throughout (default parser, default
 * heartbeat, `maxHttpBufferSize` small as any sane deployment would set it).
 *
 *   BASELINE_PORT=4100 REDIS_URL=redis://127.0.0.1:6379 BASELINE_KEY=bench-x:baseline \
 *     node --require tsx/cjs bench/delivery/baseline-server.ts
 *
 * Forked by run.ts with an IPC channel: it reports `{type:'ready', port}` and exits when
 * the channel closes, so it never outlives the benchmark.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';

interface ClientToServer {
  'room:join': (payload: unknown, ack: (res: unknown) => void) => void;
  'danmaku:send': (payload: unknown, ack: (res: unknown) => void) => void;
}
interface Message {
  id: string;
  roomId: string;
  userId: string;
  nickname: string;
  text: string;
  mode: string;
  color: string;
  size: string;
  sentAt: number;
}
interface ServerToClient {
  danmaku: (message: Message) => void;
}

const port = Number(process.env['BASELINE_PORT'] ?? 4100);
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
// The adapter's channel prefix: one benchmark run never hears another's rooms.
const key = process.env['BASELINE_KEY'] ?? 'baseline:socket.io';
const MODES = new Set(['scroll', 'top', 'bottom']);
const SIZES = new Set(['small', 'medium', 'large']);
const COLOR = /^#[0-9a-fA-F]{6}$/;

const isRoomId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64;
const room = (roomId: string) => `room:${roomId}`;

const pub = new Redis(redisUrl);
const sub = pub.duplicate();
const http = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404).end();
});
const io = new Server<ClientToServer, ServerToClient>(http, {
  maxHttpBufferSize: 16_384,
  cors: { origin: true },
  adapter: createAdapter(pub, sub, { key }),
});

io.on('connection', (socket) => {
  const userId =
    typeof socket.handshake.auth['userId'] === 'string' ? String(socket.handshake.auth['userId']) : socket.id;
  const nickname =
    typeof socket.handshake.auth['nickname'] === 'string'
      ? String(socket.handshake.auth['nickname'])
      : 'guest';

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
    const text = typeof p['text'] === 'string' ? p['text'].trim() : '';
    if (!isRoomId(p['roomId']) || text.length === 0 || text.length > 100) {
      return ack({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    }
    if (!socket.rooms.has(room(p['roomId']))) return ack({ ok: false, error: { code: 'ROOM_NOT_JOINED' } });
    const message: Message = {
      id: randomUUID(),
      roomId: p['roomId'],
      userId,
      nickname,
      text,
      mode: typeof p['mode'] === 'string' && MODES.has(p['mode']) ? p['mode'] : 'scroll',
      color: typeof p['color'] === 'string' && COLOR.test(p['color']) ? p['color'].toLowerCase() : '#ffffff',
      size: typeof p['size'] === 'string' && SIZES.has(p['size']) ? p['size'] : 'medium',
      sentAt: Date.now(),
    };
    // The hub pattern: straight to everyone in the room, on every instance.
    io.to(room(message.roomId)).emit('danmaku', message);
    ack({ ok: true, id: message.id });
  });
});

http.listen(port, () => {
  process.send?.({ type: 'ready', port });
  process.stdout.write(`baseline listening on ${port} (adapter key ${key})\n`);
});

const shutdown = () => {
  void io.close();
  pub.disconnect();
  sub.disconnect();
  process.exit(0);
};
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
