import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AckError } from '@danmaku/contracts';
import { APP_LOGGER, DomainException } from '@danmaku/platform';
import type { ViewerSocket } from './socket-data';
import { SocketLimits } from './socket-limits';

/** A command's handler: the socket, its payload as sent, and the ack's data on success. */
export type CommandHandler = (socket: ViewerSocket, body: unknown) => Promise<object>;

/**
 * The socket transport's command dispatch and error mapping, run from one middleware per
 * socket (`socket.use`) instead of Nest's per-message pipeline (an interceptor chain of rxjs
 * observables and an AsyncResource per message, ~6 % of a busy gateway's CPU, measured) and
 * of a listener per event per socket.
 *
 * A handler's result becomes `{ok: true, ...data}`, a DomainException `{ok: false, error}`;
 * anything else is logged with a correlation id and answered UNAVAILABLE (with the id);
 * INVALID_PAYLOAD, and an event that is no command, count against the socket's
 * invalid-event limit (SocketLimits). No error escapes, so one bad message never kills the
 * socket's stream.
 */
@Injectable()
export class SocketCommands {
  constructor(
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly limits: SocketLimits,
  ) {}

  /**
   * Runs `packet` (`[event, ...args, ack?]`) with its handler and answers through its ack,
   * if it has one. The payload as Nest's adapter made it: none is `undefined`, one is itself,
   * several are an array (which no command's schema accepts).
   */
  dispatch(socket: ViewerSocket, packet: unknown[], handlers: ReadonlyMap<string, CommandHandler>): void {
    const event = String(packet[0]);
    const last = packet[packet.length - 1];
    const ack =
      packet.length > 1 && typeof last === 'function' ? (last as (res: unknown) => void) : undefined;
    const args = packet.slice(1, ack ? -1 : undefined);
    const handler = handlers.get(event);
    const answer = handler
      ? this.run(socket, event, () => handler(socket, args.length <= 1 ? args[0] : args))
      : this.limits.refuseInvalid(socket, {
          code: 'INVALID_PAYLOAD',
          message: `Unknown event: ${event.slice(0, 64)}`,
        });
    answer.then(
      (res) => ack?.(res),
      (err: unknown) => this.logger.error({ event, err }, 'socket command not answered'),
    );
  }

  private async run(socket: ViewerSocket, event: string, handle: () => Promise<object>): Promise<unknown> {
    try {
      return { ok: true, ...(await handle()) };
    } catch (error) {
      // A payload that fails validation counts against the socket's invalid-event limit.
      if (error instanceof DomainException && error.code === 'INVALID_PAYLOAD')
        return this.limits.refuseInvalid(socket, error.toBody());
      return this.toAckError(event, error);
    }
  }

  private toAckError(event: string, error: unknown): AckError {
    if (error instanceof DomainException) return { ok: false, error: error.toBody() };
    const correlationId = randomUUID();
    this.logger.error({ correlationId, event, err: error }, 'socket handler failed');
    return {
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'Internal error, try again', details: { correlationId } },
    };
  }
}
