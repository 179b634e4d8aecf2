import { RedisAdapter } from '@socket.io/redis-adapter';
import type { BroadcastOperator, Socket } from 'socket.io';
import type { Counter, Gauge } from 'prom-client';

/**
 * A room name no socket ever joins. Put in a broadcast's `except` set, it marks the
 * broadcast as droppable for sockets that cannot keep up. `except` travels with the
 * broadcast through the Redis adapter, so every instance applies the same rule.
 */
export const DROPPABLE = '\u0000droppable';

/** Marks a broadcast as droppable for slow viewers (danmaku batches are; notices are not). */
export function droppableBroadcast<T extends BroadcastOperator<any, any>>(op: T): T {
  return op.except(DROPPABLE) as T;
}

export interface SlowConsumerPolicy {
  /** Bytes waiting in the process (engine write buffer + ws + Node's socket buffer) above which batches are dropped. */
  maxBufferedBytes: number;
  /**
   * Bytes handed to the kernel since the client last proved it read them, above which the
   * gateway asks for that proof (an Engine.IO ping, which every client answers in order).
   */
  probeBytes: number;
  /** How long a socket may stay behind (over `maxBufferedBytes`, or a probe unanswered) before it is disconnected. */
  graceMs: number;
  drops: Counter;
  disconnects: Counter;
  deliveries: Counter;
  lagging: Gauge;
}

interface RawSocket {
  bytesWritten: number;
  resetAndDestroy(): void;
}

interface EngineInternals {
  writeBuffer?: unknown[];
  transport?: { socket?: { bufferedAmount?: number; _socket?: RawSocket } };
  on(event: 'heartbeat', listener: () => void): void;
  sendPacket(type: 'ping'): void;
}

/** Per socket: bytes the client confirmed reading (as of its last pong) and the probe in flight. */
interface Progress {
  confirmed: number;
  probe?: { at: number; bytes: number };
}

const behindSince = new WeakMap<Socket, number>();
const progressOf = new WeakMap<Socket, Progress>();

/** What a socket has queued and not yet handed to the kernel, in bytes (an estimate for polling). */
function bufferedBytes(conn: EngineInternals): number {
  const ws = conn.transport?.socket?.bufferedAmount ?? 0;
  // Long-polling clients accumulate packets between polls: count ~512 bytes each.
  return ws + (conn.writeBuffer?.length ?? 0) * 512;
}

/**
 * Whether a WebSocket client stopped reading. Node cannot cap or read the kernel's send
 * buffer (no setsockopt, no SIOCOUTQ), and it swallows megabytes before Node's own buffer
 * grows, so the gateway asks the client instead: once `probeBytes` were written since its
 * last pong, it sends an Engine.IO ping; the pong comes back only after the client has read
 * everything before it. A probe unanswered for `graceMs` means the viewer is stalled.
 * No timer: checked when a droppable broadcast reaches the socket.
 */
function stalled(
  socket: Socket,
  conn: EngineInternals,
  raw: RawSocket,
  now: number,
  policy: SlowConsumerPolicy,
): boolean {
  let progress = progressOf.get(socket);
  if (!progress) {
    const p: Progress = { confirmed: raw.bytesWritten };
    progressOf.set(socket, (progress = p));
    // Engine.IO emits 'heartbeat' on every pong (and refreshes its own ping timer, so an
    // extra ping does not start a second heartbeat cycle).
    conn.on('heartbeat', () => {
      p.confirmed = p.probe?.bytes ?? p.confirmed;
      p.probe = undefined;
    });
  }
  if (progress.probe) return now - progress.probe.at > policy.graceMs;
  if (raw.bytesWritten - progress.confirmed > policy.probeBytes) {
    progress.probe = { at: now, bytes: raw.bytesWritten };
    conn.sendPacket('ping');
  }
  return false;
}

type Apply = (opts: { except?: Set<string> }, callback: (socket: Socket) => void) => void;

/**
 * The Redis adapter, plus bounded per-socket buffers for droppable broadcasts: a viewer
 * whose queue is over the limit misses that batch (counted; it can recover by seq), and one
 * that stays behind longer than the grace period, or does not confirm reading what the
 * kernel holds for it, is disconnected (counted). The room's other viewers are never held
 * up by it: writes never wait.
 *
 * It wraps the in-memory adapter's `apply` (socket.io-adapter 2.x), through which every
 * broadcast, local or from another instance, reaches the local sockets.
 */
export function backpressureAdapter(policy: SlowConsumerPolicy): typeof RedisAdapter {
  class BackpressureRedisAdapter extends RedisAdapter {}
  const proto = BackpressureRedisAdapter.prototype as unknown as { apply: Apply };
  const baseApply = proto.apply;
  const disconnect = (socket: Socket, raw: RawSocket | undefined) => {
    if (behindSince.delete(socket)) policy.lagging.dec();
    policy.drops.inc();
    policy.disconnects.inc();
    socket.disconnect(true);
    // A viewer that does not read would not read a close frame either: ws would keep the
    // connection (and what the kernel holds for it) for its 30 s closing handshake. A reset
    // frees the kernel's send buffer at once.
    raw?.resetAndDestroy();
  };
  proto.apply = function (this: RedisAdapter, opts, callback) {
    if (!opts.except?.has(DROPPABLE)) return baseApply.call(this, opts, callback);
    const now = Date.now();
    // Counted once per broadcast, not per socket (a hot room's frame reaches thousands).
    let delivered = 0;
    baseApply.call(this, opts, (socket) => {
      const conn = socket.conn as unknown as EngineInternals;
      const raw = conn.transport?.socket?._socket;
      if (raw && stalled(socket, conn, raw, now, policy)) return disconnect(socket, raw);
      if (bufferedBytes(conn) <= policy.maxBufferedBytes) {
        if (behindSince.delete(socket)) policy.lagging.dec();
        delivered++;
        callback(socket);
        return;
      }
      const since = behindSince.get(socket);
      if (since !== undefined && now - since > policy.graceMs) return disconnect(socket, raw);
      policy.drops.inc();
      if (since === undefined) {
        behindSince.set(socket, now);
        policy.lagging.inc();
      }
    });
    if (delivered > 0) policy.deliveries.inc(delivered);
  };
  return BackpressureRedisAdapter;
}
