import { Inject, Injectable } from '@nestjs/common';
import { DomainException, MetricsService } from '@danmaku/platform';
import type { AuthRefreshAck, Principal } from '@danmaku/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { ConnectionAuth } from '../socket/connection-auth';
import { authSessionRoom, type ViewerSocket } from '../socket/socket-data';

interface Timers {
  expiry?: NodeJS.Timeout;
  grace?: NodeJS.Timeout;
}

/**
 * Open sockets outlive their access tokens unless we act: when a socket's token expires
 * it gets `notice TOKEN_EXPIRED` and `GATEWAY_TOKEN_GRACE_MS` to send `auth:refresh` with a
 * new token of the same user; otherwise it is disconnected.
 */
@Injectable()
export class TokenExpiryService {
  private readonly timers = new WeakMap<ViewerSocket, Timers>();
  private readonly expired;

  constructor(
    private readonly auth: ConnectionAuth,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    metrics: MetricsService,
  ) {
    this.expired = metrics.counter('gateway_token_expired_disconnects_total', 'Sockets dropped after their token expired');
  }

  watch(socket: ViewerSocket): void {
    this.schedule(socket, socket.data.principal);
    socket.once('disconnect', () => this.clear(socket));
  }

  async refresh(socket: ViewerSocket, token: string): Promise<AuthRefreshAck> {
    const next = await this.auth.authenticate(token);
    const current = socket.data.principal;
    if (next.userId !== current.userId) throw new DomainException('FORBIDDEN', 'The new token belongs to another user');
    if (next.sessionId !== current.sessionId) {
      await socket.leave(authSessionRoom(current.sessionId));
      await socket.join(authSessionRoom(next.sessionId));
    }
    socket.data.principal = next;
    this.schedule(socket, next);
    return { expiresAt: next.expiresAt };
  }

  private schedule(socket: ViewerSocket, principal: Principal): void {
    this.clear(socket);
    const timers: Timers = {};
    // setTimeout holds at most ~24.8 days; tokens are far shorter-lived.
    const inMs = Math.min(Math.max(0, principal.expiresAt - Date.now()), 2 ** 31 - 1);
    timers.expiry = setTimeout(() => {
      const until = Date.now() + this.config.GATEWAY_TOKEN_GRACE_MS;
      socket.emit('notice', { code: 'TOKEN_EXPIRED', message: 'Your access token expired; send auth:refresh with a new one', until });
      timers.grace = setTimeout(() => {
        this.expired.inc();
        socket.disconnect(true);
      }, this.config.GATEWAY_TOKEN_GRACE_MS);
    }, inMs);
    this.timers.set(socket, timers);
  }

  private clear(socket: ViewerSocket): void {
    const t = this.timers.get(socket);
    if (t?.expiry) clearTimeout(t.expiry);
    if (t?.grace) clearTimeout(t.grace);
    this.timers.delete(socket);
  }
}
