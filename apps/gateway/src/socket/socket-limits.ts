import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AckError, ErrorBody } from '@danmaku/contracts';
import { DomainException, MetricsService } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import type { ViewerSocket } from './socket-data';

/** What to do with an invalid event: answer it as usual, answer RATE_LIMITED, or drop the socket. */
export type InvalidEventVerdict =
  { action: 'answer' } | { action: 'limited'; retryAfterMs: number } | { action: 'disconnect' };

/**
 * Per-socket limits on what a socket may ask that costs the gateway work without sending a
 * danmaku: `room:join`/`room:leave`, and invalid events. Counted in this process (a socket
 * lives on one instance), so the hot path makes no Redis round trip; the store keeps one
 * entry per socket only while it has counted something in the current window.
 */
@Injectable()
export class SocketLimits {
  private readonly roomCommands: RateLimiterMemory;
  private readonly invalid: RateLimiterMemory;
  private readonly limitedCounter;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    metrics: MetricsService,
  ) {
    this.roomCommands = new RateLimiterMemory({
      keyPrefix: 'room-cmd',
      points: config.GATEWAY_ROOM_COMMAND_RATE_LIMIT,
      duration: config.GATEWAY_ROOM_COMMAND_RATE_WINDOW_SEC,
    });
    // Consumes past the limit keep counting (rejected), so the disconnect threshold is reached.
    this.invalid = new RateLimiterMemory({
      keyPrefix: 'invalid',
      points: config.GATEWAY_INVALID_EVENT_LIMIT,
      duration: config.GATEWAY_INVALID_EVENT_WINDOW_SEC,
    });
    this.limitedCounter = metrics.counter(
      'gateway_socket_limited_total',
      'Socket events refused by a per-socket limit, by limit (room_command, invalid_event, invalid_disconnect)',
      ['limit'],
    );
  }

  /** Counts a `room:join`/`room:leave`; throws RATE_LIMITED (with retryAfterMs) over the limit. */
  async roomCommand(socketId: string): Promise<void> {
    try {
      await this.roomCommands.consume(socketId);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      this.limitedCounter.inc({ limit: 'room_command' });
      throw new DomainException(
        'RATE_LIMITED',
        'Too many room joins and leaves, slow down',
        {
          max: this.config.GATEWAY_ROOM_COMMAND_RATE_LIMIT,
          windowSec: this.config.GATEWAY_ROOM_COMMAND_RATE_WINDOW_SEC,
        },
        Math.max(1, Math.ceil(res.msBeforeNext)),
      );
    }
  }

  /** Counts an invalid event of the socket and says how to answer it. */
  async invalidEvent(socketId: string): Promise<InvalidEventVerdict> {
    try {
      await this.invalid.consume(socketId);
      return { action: 'answer' };
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      if (res.consumedPoints >= this.config.GATEWAY_INVALID_EVENT_DISCONNECT) {
        this.limitedCounter.inc({ limit: 'invalid_disconnect' });
        return { action: 'disconnect' };
      }
      this.limitedCounter.inc({ limit: 'invalid_event' });
      return { action: 'limited', retryAfterMs: Math.max(1, Math.ceil(res.msBeforeNext)) };
    }
  }

  /**
   * Counts an invalid event and gives its ack: the event's own error while under the limit,
   * RATE_LIMITED (retryAfterMs) over it; at the disconnect threshold the socket gets
   * `notice TOO_MANY_INVALID_EVENTS` and is disconnected.
   */
  async refuseInvalid(socket: ViewerSocket, error: ErrorBody): Promise<AckError> {
    const verdict = await this.invalidEvent(socket.id);
    if (verdict.action === 'answer') return { ok: false, error };
    if (verdict.action === 'disconnect') {
      socket.emit('notice', {
        code: 'TOO_MANY_INVALID_EVENTS',
        message: 'Too many invalid events: disconnected',
      });
      socket.disconnect(true);
    }
    const retryAfterMs =
      verdict.action === 'limited'
        ? verdict.retryAfterMs
        : this.config.GATEWAY_INVALID_EVENT_WINDOW_SEC * 1000;
    return { ok: false, error: { code: 'RATE_LIMITED', message: 'Too many invalid events', retryAfterMs } };
  }

  /** Frees a closed socket's entries at once rather than at the end of their windows. */
  forget(socketId: string): void {
    void this.roomCommands.delete(socketId);
    void this.invalid.delete(socketId);
  }
}
