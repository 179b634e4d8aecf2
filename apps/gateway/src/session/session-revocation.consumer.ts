import { Inject, Injectable } from '@nestjs/common';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { ConsumerHost } from '@danmaku/kafka';
import { APP_IDENTITY, MetricsService, type AppIdentity } from '@danmaku/platform';
import { instancePurpose } from '../fanout/instance-group';
import { SocketServerRef } from '../socket/socket-server.ref';
import { authSessionRoom } from '../socket/socket-data';

/**
 * Drops every socket opened with a revoked auth session. Every instance reads every
 * revocation from Kafka (its own group, committed, so a broker restart resumes where it
 * was) and acts on its own sockets: `notice SESSION_REVOKED`, then disconnect. No instance
 * relies on another or on Redis pub/sub to hear of it. `/readyz` checks `kafka:gateway.sessions`.
 */
@Injectable()
export class SessionRevocationConsumer {
  private readonly dropped;

  constructor(
    host: ConsumerHost,
    private readonly server: SocketServerRef,
    metrics: MetricsService,
    @Inject(APP_IDENTITY) identity: AppIdentity,
  ) {
    this.dropped = metrics.counter(
      'gateway_revoked_sockets_total',
      'Sockets disconnected because their session was revoked',
    );
    host.add({
      topic: KAFKA_TOPICS.authSessions,
      app: 'gateway',
      purpose: instancePurpose('sessions', identity.instanceId),
      name: 'sessions',
      fromBeginning: false,
      handleBatch: async (messages) => {
        for (const { value } of messages) this.dropLocal(value.sessionId);
      },
    });
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
