import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { liveRoom, roomIdOfLiveRoom } from '@danmaku/contracts';
import { APP_IDENTITY, APP_LOGGER, MetricsService, type AppIdentity } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { SocketServerRef } from '../socket/socket-server.ref';
import { PresenceRepository } from './presence.repository';

/**
 * Keeps this instance's share of every room's online count in Redis and pushes
 * `room:online` to local viewers at most once per interval, only when the total changed.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private readonly lastPushed = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly gauge;

  constructor(
    private readonly repo: PresenceRepository,
    private readonly server: SocketServerRef,
    @Inject(APP_IDENTITY) private readonly identity: AppIdentity,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    metrics: MetricsService,
  ) {
    this.gauge = metrics.gauge('gateway_rooms', 'Live rooms with at least one local viewer');
  }

  onModuleInit(): void {
    const interval = Math.max(500, this.config.GATEWAY_ONLINE_INTERVAL_MS);
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'online count tick failed'));
    }, interval);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.repo
      .removeInstance(this.identity.instanceId, [...this.lastPushed.keys(), ...this.dirty])
      .catch(() => undefined);
  }

  /** Records this instance's count for the room now; returns the room's total. */
  async changed(roomId: string): Promise<number> {
    this.dirty.add(roomId);
    const now = Date.now();
    return this.repo.updateAndTotal(
      this.identity.instanceId,
      roomId,
      this.localCount(roomId),
      now,
      now - this.aliveWindowMs(),
      this.ttlSec(),
    );
  }

  markDirty(roomId: string): void {
    this.dirty.add(roomId);
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    // One pass over the adapter's rooms (every socket's own rooms included) per tick.
    const local = this.localRooms();
    const rooms = new Set<string>([...local, ...this.dirty]);
    this.dirty.clear();
    this.gauge.set(local.length);
    await this.repo.heartbeat(this.identity.instanceId, now, this.aliveWindowMs());
    const counts = new Map([...rooms].map((r) => [r, this.localCount(r)] as const));
    await this.repo.writeLocalCounts(this.identity.instanceId, counts, this.ttlSec());
    const active = [...rooms].filter((r) => (counts.get(r) ?? 0) > 0);
    const totals = await this.repo.totals(active, now - this.aliveWindowMs());
    for (const [roomId, count] of totals) {
      if (this.lastPushed.get(roomId) === count) continue;
      this.lastPushed.set(roomId, count);
      this.server.io.local.to(liveRoom(roomId)).emit('room:online', { roomId, count });
    }
    for (const roomId of this.lastPushed.keys()) if (!counts.get(roomId)) this.lastPushed.delete(roomId);
  }

  private localRooms(): string[] {
    const rooms: string[] = [];
    for (const name of this.server.io.of('/').adapter.rooms.keys()) {
      const roomId = roomIdOfLiveRoom(name);
      if (roomId !== null) rooms.push(roomId);
    }
    return rooms;
  }

  private localCount(roomId: string): number {
    return this.server.io.of('/').adapter.rooms.get(liveRoom(roomId))?.size ?? 0;
  }

  private aliveWindowMs(): number {
    return Math.max(15_000, this.config.GATEWAY_ONLINE_INTERVAL_MS * 3);
  }

  private ttlSec(): number {
    return Math.ceil(this.aliveWindowMs() / 1000) * 2;
  }
}
