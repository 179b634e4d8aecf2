import type { IncomingMessage } from 'node:http';
import type { Counter } from 'prom-client';
import type { Socket } from 'socket.io';
import { clientAddressOf } from '@danmaku/platform';

/** What Express's `req.ip` needs: the app's `trust proxy fn` is reached through the prototype. */
type ExpressRequestProto = object;

/**
 * The client address of a Socket.IO handshake, by the same rules as every HTTP route
 * (`TRUSTED_PROXIES`: X-Forwarded-For honoured from trusted peers only, IPv6 by /64). The
 * handshake is a raw `IncomingMessage` that never went through Express, so it is given the
 * app's request prototype (as Express does to each request) without being mutated.
 */
export function handshakeAddressResolver(expressRequest: ExpressRequestProto) {
  return (req: IncomingMessage): string =>
    clientAddressOf(
      Object.create(expressRequest, {
        headers: { value: req.headers },
        socket: { value: req.socket },
        connection: { value: req.socket },
      }) as Parameters<typeof clientAddressOf>[0],
    );
}

/**
 * Caps the open connections of one client address on this instance (a Socket.IO middleware,
 * run before the token is checked so a flood costs no signature checks). Counted per instance:
 * a socket lives on one instance, the count needs no Redis, and the cap across N instances
 * behind a balancer is at most N times this.
 */
export class AddressConnectionLimit {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly addressOf: (req: IncomingMessage) => string,
    private readonly refused: Counter,
  ) {}

  readonly middleware = (socket: Socket, next: (err?: Error) => void): void => {
    const address = this.addressOf(socket.request);
    const count = this.open.get(address) ?? 0;
    if (count >= this.max) {
      this.refused.inc();
      next(new Error('TOO_MANY_CONNECTIONS'));
      return;
    }
    this.open.set(address, count + 1);
    // A handshake refused later (bad token) never connects and never fires 'disconnect':
    // release on the underlying connection's close, which fires either way.
    socket.conn.once('close', () => this.release(address));
    next();
  };

  /** Open connections per address (tests, debugging). */
  countOf(address: string): number {
    return this.open.get(address) ?? 0;
  }

  private release(address: string): void {
    const n = (this.open.get(address) ?? 1) - 1;
    if (n <= 0) this.open.delete(address);
    else this.open.set(address, n);
  }
}
