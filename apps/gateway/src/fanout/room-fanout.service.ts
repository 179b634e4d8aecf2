import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { liveRoom, type Danmaku } from '@danmaku/contracts';
import { MetricsService } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { SocketServerRef } from '../socket/socket-server.ref';
import { droppableBroadcast } from '../socket/backpressure.adapter';

interface RoomQueue {
  items: Danmaku[];
  lastFlushAt: number;
  timer?: NodeJS.Timeout;
  waiters: (() => void)[];
}

/**
 * Merges a room's accepted danmaku over a short window into one `danmaku:batch`.
 * The batch is encoded once (Socket.IO pre-encodes broadcast frames) and written to every
 * viewer; the Redis adapter carries it to the room's viewers on other instances.
 * `enqueue` resolves once its items went out, so the Kafka offset is committed only then.
 */
@Injectable()
export class RoomFanoutService implements OnApplicationShutdown {
  private readonly rooms = new Map<string, RoomQueue>();
  private readonly batchItems;
  private readonly broadcastItems;
  private readonly latency;

  constructor(
    private readonly server: SocketServerRef,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    metrics: MetricsService,
  ) {
    this.batchItems = metrics.histogram('gateway_batch_items', 'Danmaku per emitted danmaku:batch', [1, 2, 5, 10, 20, 50, 100, 200, 500]);
    this.broadcastItems = metrics.counter('gateway_broadcast_danmaku_total', 'Danmaku broadcast to rooms');
    this.latency = metrics.histogram(
      'gateway_broadcast_latency_seconds',
      'sentAt to broadcast, on the broadcasting instance',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    );
  }

  enqueue(roomId: string, items: Danmaku[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    let q = this.rooms.get(roomId);
    if (!q) {
      q = { items: [], lastFlushAt: 0, waiters: [] };
      this.rooms.set(roomId, q);
    }
    const queue = q;
    queue.items.push(...items);
    const done = new Promise<void>((resolve) => queue.waiters.push(resolve));
    if (!queue.timer) {
      const wait = queue.lastFlushAt + this.config.GATEWAY_MERGE_WINDOW_MS - Date.now();
      if (wait <= 0) this.flush(roomId, queue);
      else queue.timer = setTimeout(() => this.flush(roomId, queue), wait);
    }
    return done;
  }

  onApplicationShutdown(): void {
    for (const [roomId, q] of this.rooms) this.flush(roomId, q);
  }

  private flush(roomId: string, q: RoomQueue): void {
    if (q.timer) clearTimeout(q.timer);
    q.timer = undefined;
    const items = q.items;
    const waiters = q.waiters;
    q.items = [];
    q.waiters = [];
    q.lastFlushAt = Date.now();
    if (items.length > 0) {
      droppableBroadcast(this.server.io.to(liveRoom(roomId))).emit('danmaku:batch', { roomId, items });
      this.batchItems.observe(items.length);
      this.broadcastItems.inc(items.length);
      const now = Date.now();
      for (const d of items) this.latency.observe((now - d.sentAt) / 1000);
    }
    for (const w of waiters) w();
    // Forget rooms that went quiet, so the map holds only active rooms.
    if (items.length === 0 && waiters.length === 0) this.rooms.delete(roomId);
    else setTimeout(() => this.forgetIfIdle(roomId), this.config.GATEWAY_MERGE_WINDOW_MS * 2).unref();
  }

  private forgetIfIdle(roomId: string): void {
    const q = this.rooms.get(roomId);
    if (q && !q.timer && q.items.length === 0 && Date.now() - q.lastFlushAt >= this.config.GATEWAY_MERGE_WINDOW_MS) {
      this.rooms.delete(roomId);
    }
  }
}
