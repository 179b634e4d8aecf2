import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { liveRoom, type Danmaku, type DanmakuAccepted } from '@danmaku/contracts';
import { MetricsService } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { SocketServerRef } from '../socket/socket-server.ref';
import { droppableBroadcast } from '../socket/backpressure.adapter';

interface RoomStream {
  /** The stream epoch of the seqs below ('' until one is seen). */
  epoch: string;
  /** Highest seq written to this instance's sockets. */
  broadcastSeq: number;
  /** Highest seq accepted into `pending` or broadcast (drops redelivered copies). */
  queuedSeq: number;
  pending: Danmaku[];
  lastFlushAt: number;
  timer?: NodeJS.Timeout;
}

/** The last seq this instance wrote to a room's sockets, and its epoch. */
export interface BroadcastMark {
  seq: number;
  epoch: string;
}

/** A room unheard of for this long is forgotten (its marks are then unknown again). */
const FORGET_AFTER_MS = 10 * 60_000;

/** Up to this share of wall time busy, the event loop has headroom and the window stays at its base. */
export const CALM_UTILIZATION = 0.6;

/**
 * The merge window for an event loop busy `utilization` (0–1) of the time: `base` while it
 * has headroom, then growing in proportion to the excess, to `max` when it is never idle.
 * A loop that is busy because the machine is short of CPU counts too (the time waiting to
 * be scheduled is not idle time).
 */
export function mergeWindowFor(utilization: number, base: number, max: number): number {
  const excess = Math.min(1, Math.max(0, (utilization - CALM_UTILIZATION) / (1 - CALM_UTILIZATION)));
  return Math.round(base + (max - base) * excess);
}

/**
 * Writes each room's accepted danmaku to this instance's sockets, in seq order, once each.
 *
 * Adaptive merging (ADR 0006): a room that has not sent a frame within the current window
 * gets its danmaku at once; a busier one is merged into one `danmaku:batch` per window, so
 * a viewer gets at most ~1000/window frames per second and each frame is encoded once for
 * the whole room. The window is GATEWAY_MERGE_WINDOW_MS while the event loop has headroom
 * and grows with its utilization (up to GATEWAY_MERGE_WINDOW_MAX_MS) when it has not:
 * fewer, larger frames cost less per danmaku.
 *
 * Nothing here holds up the Kafka consumer: enqueue returns at once.
 */
@Injectable()
export class RoomFanoutService implements OnModuleInit, OnApplicationShutdown {
  private readonly rooms = new Map<string, RoomStream>();
  private utilizationMark: EventLoopUtilization = performance.eventLoopUtilization();
  private windowMs: number;
  private tuner?: NodeJS.Timeout;
  private readonly batchItems;
  private readonly broadcastItems;
  private readonly duplicates;
  private readonly latency;
  private readonly windowGauge;

  constructor(
    private readonly server: SocketServerRef,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    metrics: MetricsService,
  ) {
    this.windowMs = config.GATEWAY_MERGE_WINDOW_MS;
    this.batchItems = metrics.histogram(
      'gateway_batch_items',
      'Danmaku per emitted danmaku:batch',
      [1, 2, 5, 10, 20, 50, 100, 200, 500],
    );
    this.broadcastItems = metrics.counter('gateway_broadcast_danmaku_total', 'Danmaku broadcast to rooms');
    this.duplicates = metrics.counter(
      'gateway_broadcast_duplicates_total',
      'Accepted events dropped as already broadcast',
    );
    this.latency = metrics.histogram(
      'gateway_broadcast_latency_seconds',
      'sentAt to the write to local sockets',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    );
    this.windowGauge = metrics.gauge(
      'gateway_merge_window_ms',
      'Current merge window (grows with event-loop utilization)',
    );
    this.windowGauge.set(this.windowMs);
  }

  onModuleInit(): void {
    this.utilizationMark = performance.eventLoopUtilization();
    this.tuner = setInterval(() => this.tune(), 1000);
    this.tuner.unref();
  }

  onApplicationShutdown(): void {
    if (this.tuner) clearInterval(this.tuner);
    for (const [roomId, s] of this.rooms) this.flush(roomId, s);
  }

  /** Queues accepted danmaku of any rooms (each room's in seq order, as Kafka keeps them). */
  enqueue(events: Iterable<Pick<DanmakuAccepted, 'danmaku' | 'epoch'>>): void {
    const now = Date.now();
    const touched = new Set<string>();
    for (const { danmaku: d, epoch = '' } of events) {
      let s = this.rooms.get(d.roomId);
      if (!s) {
        s = { epoch, broadcastSeq: 0, queuedSeq: 0, pending: [], lastFlushAt: 0 };
        this.rooms.set(d.roomId, s);
      }
      if (epoch !== s.epoch) {
        // The room's seqs restarted (its counter was lost): what is queued goes out under the
        // old epoch, then the seq marks start over.
        this.flush(d.roomId, s);
        Object.assign(s, { epoch, broadcastSeq: 0, queuedSeq: 0 });
      }
      if (d.seq <= s.queuedSeq) {
        this.duplicates.inc();
        continue;
      }
      s.queuedSeq = d.seq;
      s.pending.push(d);
      touched.add(d.roomId);
    }
    for (const roomId of touched) {
      const s = this.rooms.get(roomId);
      if (!s || s.timer) continue;
      const wait = s.lastFlushAt + this.windowMs - now;
      if (wait <= 0) this.flush(roomId, s);
      else s.timer = setTimeout(() => this.flush(roomId, s), wait);
    }
  }

  /**
   * The highest seq of the room already written to this instance's sockets, or null when
   * this instance has not broadcast the room lately. Read it in the same tick as the
   * socket joins the room: what is above it reaches the socket live, what is at or below
   * it must come from the recent buffer.
   */
  broadcastMark(roomId: string): BroadcastMark | null {
    const s = this.rooms.get(roomId);
    return s && s.broadcastSeq > 0 ? { seq: s.broadcastSeq, epoch: s.epoch } : null;
  }

  private flush(roomId: string, s: RoomStream): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    const items = s.pending;
    if (items.length === 0) return;
    s.pending = [];
    const now = Date.now();
    s.lastFlushAt = now;
    s.broadcastSeq = items[items.length - 1].seq;
    const batch = s.epoch ? { roomId, items, epoch: s.epoch } : { roomId, items };
    droppableBroadcast(this.server.io.local.to(liveRoom(roomId))).emit('danmaku:batch', batch);
    this.batchItems.observe(items.length);
    this.broadcastItems.inc(items.length);
    for (const d of items) this.latency.observe((now - d.sentAt) / 1000);
  }

  /** Once a second: size the window from the event loop's utilization; forget rooms long quiet. */
  private tune(): void {
    const { GATEWAY_MERGE_WINDOW_MS: base, GATEWAY_MERGE_WINDOW_MAX_MS: max } = this.config;
    const { utilization } = performance.eventLoopUtilization(this.utilizationMark);
    this.utilizationMark = performance.eventLoopUtilization();
    // Halfway to the target each second: a burst does not swing the window back and forth.
    const target = mergeWindowFor(utilization, base, max);
    this.windowMs = Math.round((this.windowMs + target) / 2);
    this.windowGauge.set(this.windowMs);
    const now = Date.now();
    for (const [roomId, s] of this.rooms) {
      if (!s.timer && s.pending.length === 0 && now - s.lastFlushAt > FORGET_AFTER_MS)
        this.rooms.delete(roomId);
    }
  }
}
