import type { IncomingMessage } from 'node:http';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { lastValueFrom, type Observable } from 'rxjs';
import type { ServerOptions, Socket } from 'socket.io';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { APP_LOGGER, MetricsService, ReadinessService } from '@danmaku/platform';
import { AddressConnectionLimit, handshakeAddressResolver } from './address-connection-limit';
import { backpressureAdapter } from './backpressure.adapter';
import type { GatewayConfig } from '../config/gateway.config';

/**
 * Socket.IO server settings (heartbeat, frame size, origins) and the Redis adapter that
 * makes a room span every gateway instance.
 */
export class GatewayIoAdapter extends IoAdapter {
  private pub?: Redis;
  private sub?: Redis;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: GatewayConfig,
    private readonly redis: Redis,
  ) {
    super(app);
    this.readiness = app.get(ReadinessService);
    this.logger = app.get<Logger>(APP_LOGGER);
  }
  private readonly logger: Logger;

  private readonly readiness: ReadinessService;

  override createIOServer(port: number, options?: ServerOptions) {
    const origins = this.config.GATEWAY_ALLOWED_ORIGINS;
    const originAllowed = (origin: string | undefined) =>
      origins === '*' || !origin || origins.includes(origin);
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
    this.pub = this.redis.duplicate({
      keyPrefix: '',
      connectionName: 'gateway:adapter-pub',
      enableAutoPipelining: false,
    });
    this.sub = this.redis.duplicate({
      keyPrefix: '',
      connectionName: 'gateway:adapter-sub',
      enableAutoPipelining: false,
    });
    const pub = this.pub;
    const sub = this.sub;
    const metrics = this.app.get(MetricsService);
    guardPublish(
      pub,
      metrics.counter(
        'gateway_adapter_publish_errors_total',
        'Redis adapter publishes that failed (lost cross-instance messages)',
      ),
      this.logger,
    );
    const Adapter = backpressureAdapter({
      maxBufferedBytes: this.config.GATEWAY_SOCKET_BUFFER_BYTES,
      probeBytes: this.config.GATEWAY_SOCKET_PROBE_BYTES,
      graceMs: this.config.GATEWAY_SLOW_CONSUMER_GRACE_MS,
      drops: metrics.counter(
        'gateway_slow_consumer_drops_total',
        'danmaku:batch frames dropped for sockets that could not keep up',
      ),
      disconnects: metrics.counter(
        'gateway_slow_consumer_disconnects_total',
        'Sockets disconnected for staying behind',
      ),
      deliveries: metrics.counter(
        'gateway_batch_deliveries_total',
        'danmaku:batch frames written to local sockets',
      ),
      lagging: metrics.gauge('gateway_lagging_sockets', 'Local sockets currently behind'),
    });
    // Socket.IO calls `new` on the factory: it must be a plain function, not an arrow.
    server.adapter(function (nsp: unknown) {
      return new Adapter(nsp, pub, sub, { key, requestsTimeout: 3000 });
    } as never);
    // Registered before the gateway's auth middleware: a refused address costs no token check.
    const expressApp = (this.app as INestApplication).getHttpAdapter().getInstance() as { request: object };
    const perAddress = new AddressConnectionLimit(
      this.config.GATEWAY_MAX_CONNECTIONS_PER_ADDRESS,
      handshakeAddressResolver(expressApp.request),
      metrics.counter(
        'gateway_connections_refused_total',
        'Handshakes refused because their client address holds too many connections',
      ),
    );
    server.use(perAddress.middleware);
    this.readiness.register('redis-adapter', () => pub.status === 'ready' && sub.status === 'ready');
    return server;
  }

  /**
   * Nest's IoAdapter binds every handler of every socket through an rxjs chain
   * (`fromEvent` → `mergeMap` → `takeUntil(disconnect$)` → `subscribe`): several subscriber
   * objects per handler per socket for as long as it is open. A plain listener per event
   * does the same job (interceptors and filters still run inside `callback`) and keeps an
   * idle socket close to what plain Socket.IO costs.
   */
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      // As rxjs' fromEvent hands them to mapPayload: one argument as is, several as an array.
      socket.on(String(message), (...args: unknown[]) => {
        const { data, ack } = this.mapPayload(args.length === 1 ? args[0] : args) as {
          data: unknown;
          ack?: (response: unknown) => void;
        };
        lastValueFrom(transform(callback(data, ack)), { defaultValue: undefined }).then(
          (response) => {
            if (response === undefined || response === null) return;
            const r = response as { event?: string; data?: unknown };
            if (r.event) socket.emit(r.event, r.data);
            else if (!isAckHandledManually && typeof ack === 'function') ack(response);
          },
          // A handler's interceptors answer its errors as acks; anything reaching here is a bug there.
          (err: unknown) =>
            this.logger.error({ err: String(err), event: message }, 'socket handler escaped the ack mapping'),
        );
      });
    }
  }

  override async close(server: Parameters<IoAdapter['close']>[0]): Promise<void> {
    await super.close(server);
    this.pub?.disconnect();
    this.sub?.disconnect();
  }
}

/**
 * The Redis adapter calls `pubClient.publish()` without handling the promise, so a Redis
 * blip (ioredis rejects after its retries) became an unhandled rejection, which now exits
 * the process. Catch it, count it and log it: the message to other instances is lost
 * either way, the local sockets keep being served.
 * https://github.com/socketio/socket.io-redis-adapter/blob/8.3.0/lib/index.ts (publish calls)
 */
export function guardPublish(client: Redis, failures: { inc(): void }, logger: Logger): void {
  const publish = client.publish.bind(client) as (...args: unknown[]) => Promise<number>;
  (client as unknown as { publish: (...args: unknown[]) => Promise<number> }).publish = (...args) =>
    publish(...args).catch((err: unknown) => {
      failures.inc();
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'redis adapter publish failed');
      return 0;
    });
}
