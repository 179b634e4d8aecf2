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
  /** Bytes waiting to be written (engine write buffer + ws/kernel queue) above which batches are dropped. */
  maxBufferedBytes: number;
  /** How long a socket may stay behind before it is disconnected. */
  graceMs: number;
  drops: Counter;
  disconnects: Counter;
  deliveries: Counter;
  lagging: Gauge;
}

interface EngineInternals {
  writeBuffer?: unknown[];
  transport?: { socket?: { bufferedAmount?: number } };
}

const behindSince = new WeakMap<Socket, number>();

/** What a socket has queued and not yet handed to the kernel, in bytes (an estimate for polling). */
function bufferedBytes(socket: Socket): number {
  const conn = socket.conn as unknown as EngineInternals;
  const ws = conn.transport?.socket?.bufferedAmount ?? 0;
  // Long-polling clients accumulate packets between polls: count ~512 bytes each.
  return ws + (conn.writeBuffer?.length ?? 0) * 512;
}

type Apply = (opts: { except?: Set<string> }, callback: (socket: Socket) => void) => void;

/**
 * The Redis adapter, plus bounded per-socket buffers for droppable broadcasts: a viewer
 * whose queue is over the limit misses that batch (counted; it can recover by seq), and one
 * that stays behind longer than the grace period is disconnected (counted). The room's
 * other viewers are never held up by it: writes never wait.
 *
 * It wraps the in-memory adapter's `apply` (socket.io-adapter 2.x), through which every
 * broadcast, local or from another instance, reaches the local sockets.
 */
export function backpressureAdapter(policy: SlowConsumerPolicy): typeof RedisAdapter {
  class BackpressureRedisAdapter extends RedisAdapter {}
  const proto = BackpressureRedisAdapter.prototype as unknown as { apply: Apply };
  const baseApply = proto.apply;
  proto.apply = function (this: RedisAdapter, opts, callback) {
    if (!opts.except?.has(DROPPABLE)) return baseApply.call(this, opts, callback);
    const now = Date.now();
    return baseApply.call(this, opts, (socket) => {
      if (bufferedBytes(socket) <= policy.maxBufferedBytes) {
        if (behindSince.delete(socket)) policy.lagging.dec();
        policy.deliveries.inc();
        callback(socket);
        return;
      }
      policy.drops.inc();
      const since = behindSince.get(socket);
      if (since === undefined) {
        behindSince.set(socket, now);
        policy.lagging.inc();
      } else if (now - since > policy.graceMs) {
        behindSince.delete(socket);
        policy.lagging.dec();
        policy.disconnects.inc();
        socket.disconnect(true);
      }
    });
  };
  return BackpressureRedisAdapter;
}
