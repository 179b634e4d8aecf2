import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { ServerOptions } from 'socket.io';
import type Redis from 'ioredis';
import { ReadinessService } from '@danmaku/platform';
import type { GatewayConfig } from '../config/gateway.config';

/**
 * Socket.IO server settings (heartbeat, frame size, origins) and the Redis adapter that
 * makes a room span every gateway instance.
 */
export class GatewayIoAdapter extends IoAdapter {
  private pub?: Redis;
  private sub?: Redis;

  constructor(
    app: INestApplicationContext,
    private readonly config: GatewayConfig,
    private readonly redis: Redis,
  ) {
    super(app);
    this.readiness = app.get(ReadinessService);
  }

  private readonly readiness: ReadinessService;

  override createIOServer(port: number, options?: ServerOptions) {
    const origins = this.config.GATEWAY_ALLOWED_ORIGINS;
    const originAllowed = (origin: string | undefined) => origins === '*' || !origin || origins.includes(origin);
    const server = super.createIOServer(port, {
      ...options,
      path: '/socket.io',
      pingInterval: this.config.GATEWAY_PING_INTERVAL_MS,
      pingTimeout: this.config.GATEWAY_PING_TIMEOUT_MS,
      maxHttpBufferSize: this.config.GATEWAY_MAX_HTTP_BUFFER_SIZE,
      cors: { origin: origins === '*' ? true : origins, credentials: false },
      // CORS only guards browsers' polling requests; check Origin on every handshake,
      // WebSocket upgrades included. Clients without an Origin (native apps) pass.
      allowRequest: (req: IncomingMessage, cb: (err: string | null | undefined, ok: boolean) => void) =>
        cb(null, originAllowed(req.headers.origin)),
    });
    // ioredis keyPrefix does not apply to pub/sub channels: namespace the adapter's key instead.
    const key = this.config.DANMAKU_NAMESPACE ? `${this.config.DANMAKU_NAMESPACE}:socket.io` : 'socket.io';
    this.pub = this.redis.duplicate({ keyPrefix: '', connectionName: 'gateway:adapter-pub' });
    this.sub = this.redis.duplicate({ keyPrefix: '', connectionName: 'gateway:adapter-sub' });
    server.adapter(createAdapter(this.pub, this.sub, { key, requestsTimeout: 3000 }));
    const pub = this.pub;
    const sub = this.sub;
    this.readiness.register('redis-adapter', () => pub.status === 'ready' && sub.status === 'ready');
    return server;
  }

  override async close(server: Parameters<IoAdapter['close']>[0]): Promise<void> {
    await super.close(server);
    this.pub?.disconnect();
    this.sub?.disconnect();
  }
}
