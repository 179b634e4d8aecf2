import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import {
  DANMAKU_DEFAULTS,
  roomClosedRefusal,
  sanctionRefusal,
  roomLengthRefusal,
  type DanmakuSendAck,
  type DanmakuSendPayload,
  type Principal,
} from '@danmaku/contracts';
import { APP_IDENTITY, DomainException, MetricsService, type AppIdentity } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { RoomStateRepository } from '../room/room-state.repository';
import { NonceRepository } from './nonce.repository';
import { SendGateRepository } from './send-gate.repository';
import { SubmissionPublisher } from './submission.publisher';

export interface Sender {
  principal: Principal;
  socketId: string;
  /** Whether the socket is in the room (sockets must join before they send). */
  joined: boolean;
  /**
   * Keeps one sender's messages in the order sent without waiting for each other's Kafka
   * acks: `previous` settles once the sender's previous message was handed to the
   * publisher, and `handedOver()` says this one has been.
   */
  turn?: { previous: Promise<void>; handedOver(): void };
}

/**
 * Takes a viewer's danmaku: early checks from cached room state, the per-user rate,
 * the nonce, then a durable hand-off to moderation. The ack's `id` means "queued".
 */
@Injectable()
export class DanmakuService {
  private readonly submitted;
  private readonly refused;
  private readonly resendWaits;
  private readonly sendTimeouts;
  /** This instance's attempts in flight, by sender and nonce: a local resend awaits them. */
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly rooms: RoomStateRepository,
    private readonly gate: SendGateRepository,
    private readonly nonces: NonceRepository,
    private readonly publisher: SubmissionPublisher,
    @Inject(APP_IDENTITY) private readonly identity: AppIdentity,
    @Inject(GATEWAY_CONFIG)
    private readonly config: Pick<GatewayConfig, 'GATEWAY_NONCE_WAIT_MS' | 'GATEWAY_SEND_TIMEOUT_MS'>,
    metrics: MetricsService,
  ) {
    this.resendWaits = metrics.counter(
      'gateway_nonce_resend_waits_total',
      'Resends that found their nonce still pending, by outcome',
      ['outcome'],
    );
    this.sendTimeouts = metrics.counter(
      'gateway_send_timeouts_total',
      'Sends with a nonce answered UNAVAILABLE (pending) because Kafka did not confirm in time',
    );
    this.submitted = metrics.counter('gateway_danmaku_submitted_total', 'Danmaku queued for moderation');
    this.refused = metrics.counter('gateway_danmaku_refused_total', 'Sends refused at the gateway', ['code']);
  }

  async send(sender: Sender, payload: DanmakuSendPayload): Promise<DanmakuSendAck> {
    try {
      return await this.sendChecked(sender, payload);
    } catch (e) {
      if (e instanceof DomainException) this.refused.inc({ code: e.code });
      throw e;
    } finally {
      sender.turn?.handedOver();
    }
  }

  /**
   * Checks that need no Redis first (role, membership, then the shared policy's closed-room
   * and length rules on the cached room settings), then one round trip for sanctions, the
   * send rate and the nonce claim, then the hand-off. So a banned sender in a closed room
   * hears ROOM_CLOSED here, where moderation (ban first) would say BANNED: either way
   * nothing is published.
   */
  private async sendChecked(sender: Sender, payload: DanmakuSendPayload): Promise<DanmakuSendAck> {
    const { principal } = sender;
    if (principal.role === 'guest') throw new DomainException('FORBIDDEN', 'Guests may watch but not send');
    if (!sender.joined)
      throw new DomainException('ROOM_NOT_JOINED', `Join room ${payload.roomId} before sending`);
    const settings = await this.rooms.settings(payload.roomId);
    // The shared rules that need no Redis, from the cached settings (moderation re-checks them).
    // The text's byte and mark bounds were checked when the payload was parsed.
    const early = roomClosedRefusal(settings) ?? roomLengthRefusal(payload.text, settings);
    if (early) throw new DomainException(early.code, early.message, early.details);
    if (!this.publisher.available)
      throw new DomainException('UNAVAILABLE', 'Cannot queue messages right now');

    const id = uuidv7();
    const nonce = payload.nonce;
    const gate = await this.gate.check(payload.roomId, principal.userId, nonce ? { nonce, id } : null);
    const claimed = gate.nonce?.claimed === true;
    try {
      const sanction = sanctionRefusal(gate.sanctions);
      if (sanction) {
        const { mutedUntil } = gate.sanctions;
        const retryAfterMs =
          sanction.code === 'MUTED' && mutedUntil !== undefined
            ? Math.max(0, mutedUntil - Date.now())
            : undefined;
        throw new DomainException(sanction.code, sanction.message, sanction.details, retryAfterMs);
      }
      // A resend of a queued message: answer with the first id, queue nothing new.
      if (gate.nonce && !gate.nonce.claimed && gate.nonce.state === 'queued') return { id: gate.nonce.id };
      if (gate.rateLimitedForMs !== null)
        throw new DomainException('RATE_LIMITED', 'Sending too fast', undefined, gate.rateLimitedForMs);
    } catch (e) {
      if (claimed && nonce) await this.nonces.release(principal.userId, nonce, id).catch(() => undefined);
      throw e;
    }

    await sender.turn?.previous;
    if (!nonce) return this.queue(sender, payload, id);
    if (!claimed) {
      // The first attempt is still pending: wait for its outcome (or claim the nonce if it failed).
      const earlier = await this.claimNonce(principal.userId, nonce, id);
      if (earlier !== null) return { id: earlier };
    }
    // Resends on this instance wait for this attempt's outcome to be written.
    const key = inflightKey(principal.userId, nonce);
    let settle!: () => void;
    this.inflight.set(key, new Promise<void>((r) => (settle = r)));
    // The outcome is written to the nonce whenever the attempt settles, even after the
    // sender was answered (below): only then may a resend be answered with this id. Should
    // the write fail, the pending mark stays and resends are told to retry until it lapses,
    // never `ok` for a lost message.
    const outcome = this.queue(sender, payload, id)
      .then(
        async (ack) => {
          await this.nonces.markQueued(principal.userId, nonce, id).catch(() => undefined);
          return ack;
        },
        async (e: unknown) => {
          await this.nonces.release(principal.userId, nonce, id).catch(() => undefined);
          throw e;
        },
      )
      .finally(() => {
        this.inflight.delete(key);
        settle();
      });
    return this.withinDeadline(outcome);
  }

  /**
   * A send with a nonce is answered within GATEWAY_SEND_TIMEOUT_MS: a broker that stalls
   * yields `UNAVAILABLE` (details.pending) in seconds rather than after the producer's
   * retries. The attempt goes on; a resend with the same nonce learns its outcome (the id
   * once queued) and never queues it twice. Sends without a nonce wait for the real
   * outcome, since their UNAVAILABLE must mean "nothing was queued".
   */
  private async withinDeadline(outcome: Promise<DanmakuSendAck>): Promise<DanmakuSendAck> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.sendTimeouts.inc();
        reject(
          new DomainException(
            'UNAVAILABLE',
            'Not confirmed in time; resend with the same nonce (it is never queued twice)',
            { pending: true },
            1000,
          ),
        );
      }, this.config.GATEWAY_SEND_TIMEOUT_MS);
    });
    outcome.catch(() => undefined); // settled later, or by the deadline's answer
    try {
      return await Promise.race([outcome, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The durable hand-off to Kafka. */
  private async queue(sender: Sender, payload: DanmakuSendPayload, id: string): Promise<DanmakuSendAck> {
    const { principal } = sender;
    try {
      const queued = this.publisher.publish({
        id,
        roomId: payload.roomId,
        userId: principal.userId,
        nickname: principal.nickname,
        authSessionId: principal.sessionId,
        text: payload.text,
        mode: payload.mode ?? DANMAKU_DEFAULTS.mode,
        color: payload.color ?? DANMAKU_DEFAULTS.color,
        size: payload.size ?? DANMAKU_DEFAULTS.size,
        nonce: payload.nonce,
        sentAt: Date.now(),
        origin: { instanceId: this.identity.instanceId, socketId: sender.socketId },
      });
      sender.turn?.handedOver();
      await queued;
    } catch {
      throw new DomainException('UNAVAILABLE', 'Cannot queue messages right now; nothing was queued');
    }
    this.submitted.inc();
    return { id };
  }

  /**
   * Claims `nonce` for attempt `id`. Returns null when claimed (the caller queues it), or
   * the id of an earlier attempt that is durably queued. An earlier attempt still pending
   * (on this or another instance) is waited for; if it fails the nonce is free and claimed
   * here; if it is still pending after GATEWAY_NONCE_WAIT_MS the resend is refused with a
   * retryable UNAVAILABLE: `ok` always means "durably queued".
   */
  private async claimNonce(userId: string, nonce: string, id: string): Promise<string | null> {
    const deadline = Date.now() + this.config.GATEWAY_NONCE_WAIT_MS;
    let waited = false;
    for (;;) {
      const claim = await this.nonces.claim(userId, nonce, id);
      if (claim.claimed) {
        if (waited) this.resendWaits.inc({ outcome: 'earlier_failed' });
        return null;
      }
      if (claim.state === 'queued') {
        if (waited) this.resendWaits.inc({ outcome: 'queued' });
        return claim.id;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.resendWaits.inc({ outcome: 'timeout' });
        throw new DomainException(
          'UNAVAILABLE',
          'An earlier attempt with this nonce is still being queued; retry with the same nonce',
          { nonce, pendingId: claim.id },
          1000,
        );
      }
      waited = true;
      const local = this.inflight.get(inflightKey(userId, nonce));
      // Same instance: wake when the attempt settles; another instance's: poll Redis.
      await Promise.race([local ?? sleep(100), sleep(Math.min(left, 500))]);
    }
  }
}

const inflightKey = (userId: string, nonce: string) => `${userId}\0${nonce}`;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
