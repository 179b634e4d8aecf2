import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DomainException, MetricsService } from '@danmaku/platform';
import type { AuthRefreshAck, Principal } from '@danmaku/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ConnectionAuth } from '../socket/connection-auth';
import { authSessionRoom, type ViewerSocket } from '../socket/socket-data';
import { TimerWheel } from './timer-wheel';

/**
 * Open sockets outlive their access tokens unless we act: when a socket's token expires
 * it gets `notice TOKEN_EXPIRED` and `GATEWAY_TOKEN_GRACE_MS` to send `auth:refresh` with a
 * new token of the same user; otherwise it is disconnected.
 */
@Injectable()
export class TokenExpiryService implements OnApplicationShutdown {
  /** Sockets by the time their token expires (one timer for all, not one per socket). */
  private readonly expiries = new TimerWheel<ViewerSocket>((socket) => this.onExpired(socket));
  /** Sockets told TOKEN_EXPIRED, by the end of their grace period. */
  private readonly graces = new TimerWheel<ViewerSocket>((socket) => this.onGraceOver(socket));
  private readonly expired;

  constructor(
    private readonly auth: ConnectionAuth,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    metrics: MetricsService,
  ) {
    this.expired = metrics.counter(
      'gateway_token_expired_disconnects_total',
      'Sockets dropped after their token expired',
    );
  }

  watch(socket: ViewerSocket): void {
    this.schedule(socket, socket.data.principal);
    socket.once('disconnect', () => this.clear(socket));
  }

  async refresh(socket: ViewerSocket, token: string): Promise<AuthRefreshAck> {
    const next = await this.auth.authenticate(token);
    const current = socket.data.principal;
    if (next.userId !== current.userId)
      throw new DomainException('FORBIDDEN', 'The new token belongs to another user');
    if (next.sessionId !== current.sessionId) {
      await socket.leave(authSessionRoom(current.sessionId));
      await socket.join(authSessionRoom(next.sessionId));
    }
    socket.data.principal = next;
    this.schedule(socket, next);
    return { expiresAt: next.expiresAt };
  }

  onApplicationShutdown(): void {
    this.expiries.stop();
    this.graces.stop();
  }

  private schedule(socket: ViewerSocket, principal: Principal): void {
    this.graces.cancel(socket);
    this.expiries.schedule(socket, principal.expiresAt);
  }

  private onExpired(socket: ViewerSocket): void {
    if (socket.disconnected) return;
    const until = Date.now() + this.config.GATEWAY_TOKEN_GRACE_MS;
    socket.emit('notice', {
      code: 'TOKEN_EXPIRED',
      message: 'Your access token expired; send auth:refresh with a new one',
      until,
    });
    this.graces.schedule(socket, until);
  }

  private onGraceOver(socket: ViewerSocket): void {
    if (socket.disconnected) return;
    this.expired.inc();
    socket.disconnect(true);
  }

  private clear(socket: ViewerSocket): void {
    this.expiries.cancel(socket);
    this.graces.cancel(socket);
  }
}
