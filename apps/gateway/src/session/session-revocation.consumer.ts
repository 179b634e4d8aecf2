import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { KafkaClient, TypedConsumer } from '@danmaku/kafka';
import { APP_LOGGER, MetricsService, ReadinessService } from '@danmaku/platform';
import { SocketServerRef } from '../socket/socket-server.ref';
import { authSessionRoom } from '../socket/socket-data';

/** Event name between gateway instances (Redis adapter server-side emit). */
const REVOKE_EVENT = 'auth-session:revoked';

/**
 * Drops every socket opened with a revoked auth session, on every instance: the instance
 * that consumes the revocation tells the others, and each sends `notice SESSION_REVOKED`
 * then disconnects its own sockets (in that order, which a cross-instance emit +
 * disconnect could not guarantee).
 */
@Injectable()
export class SessionRevocationConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer: TypedConsumer<typeof KAFKA_TOPICS.authSessions.schema>;
  private readonly dropped;

  constructor(
    kafka: KafkaClient,
    private readonly server: SocketServerRef,
    readiness: ReadinessService,
    metrics: MetricsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.dropped = metrics.counter(
      'gateway_revoked_sockets_total',
      'Sockets disconnected because their session was revoked',
    );
    this.consumer = new TypedConsumer(kafka, {
      topic: KAFKA_TOPICS.authSessions,
      app: 'gateway',
      purpose: 'sessions',
      fromBeginning: false,
      handleBatch: async (messages) => {
        for (const { value } of messages) {
          this.server.io.serverSideEmit(REVOKE_EVENT, value.sessionId);
          this.dropLocal(value.sessionId);
        }
      },
      onSkip: (info) => this.logger.warn(info, 'auth session event skipped'),
    });
    readiness.register('kafka-sessions', () => this.consumer.isReady);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server.io.on(REVOKE_EVENT as never, (sessionId: string) => this.dropLocal(sessionId));
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop().catch(() => undefined);
  }

  private dropLocal(sessionId: string): void {
    const sockets = this.server.io.of('/').adapter.rooms.get(authSessionRoom(sessionId));
    if (!sockets || sockets.size === 0) return;
    const local = this.server.io.local.in(authSessionRoom(sessionId));
    local.emit('notice', { code: 'SESSION_REVOKED', message: 'Your session was ended; sign in again' });
    this.dropped.inc(sockets.size);
    local.disconnectSockets(true);
  }
}
