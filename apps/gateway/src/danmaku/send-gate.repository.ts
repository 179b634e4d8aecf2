import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS, turnPipeline } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { SanctionsRepository, type UserSanctions } from '../room/sanctions.repository';
import { NonceRepository, type NonceClaim } from './nonce.repository';

export interface SendGate {
  sanctions: UserSanctions;
  /** Null when the send carries no nonce. */
  nonce: NonceClaim | null;
  /** Over the per-user send rate: how long until the window resets. */
  rateLimitedForMs: number | null;
}

const rateKey = (userId: string) => `gw:send-rate:${userId}`;

/**
 * Everything a `danmaku:send` needs from Redis, in one round trip (one pipeline): the
 * sender's bans and mute, the nonce claim, and the per-user send rate (a fixed window
 * shared by every instance: `SET NX PX` opens it, `INCR` counts, `PTTL` says when it ends).
 * Hand-written rather than through rate-limiter-flexible because that library cannot join
 * a pipeline, and the send path must cost one round trip (issue 9).
 */
@Injectable()
export class SendGateRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG)
    private readonly config: Pick<GatewayConfig, 'GATEWAY_SEND_RATE_LIMIT' | 'GATEWAY_SEND_RATE_WINDOW_SEC'>,
  ) {}

  async check(
    roomId: string,
    userId: string,
    claim: { nonce: string; id: string } | null,
    now = Date.now(),
  ): Promise<SendGate> {
    const key = rateKey(userId);
    // One pipeline per event-loop turn for every send of the turn (see turnPipeline).
    const replies = await turnPipeline(this.redis, (pipeline) => {
      SanctionsRepository.queue(pipeline, roomId, userId);
      pipeline
        .set(key, '0', 'PX', this.config.GATEWAY_SEND_RATE_WINDOW_SEC * 1000, 'NX')
        .incr(key)
        .pttl(key);
      if (claim) NonceRepository.queueClaim(pipeline, userId, claim.nonce, claim.id);
    });
    for (const [err] of replies) if (err) throw err;
    const values = replies.map(([, v]) => v);
    const count = Number(values[4]);
    const ttl = Number(values[5]);
    return {
      sanctions: SanctionsRepository.read(values.slice(0, 3) as (string | null)[], now),
      rateLimitedForMs: count > this.config.GATEWAY_SEND_RATE_LIMIT ? Math.max(ttl, 0) : null,
      nonce: claim ? NonceRepository.readClaim(values[6] as string | null) : null,
    };
  }
}
