import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import {
  DANMAKU_DEFAULTS,
  graphemeLength,
  type DanmakuSendAck,
  type DanmakuSendPayload,
  type Principal,
} from '@danmaku/contracts';
import { APP_IDENTITY, DomainException, MetricsService, type AppIdentity } from '@danmaku/platform';
import { RoomStateRepository } from '../room/room-state.repository';
import { SanctionsRepository } from '../room/sanctions.repository';
import { NonceRepository } from './nonce.repository';
import { SendRateLimiter } from './send-rate.limiter';
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

  constructor(
    private readonly rooms: RoomStateRepository,
    private readonly sanctions: SanctionsRepository,
    private readonly nonces: NonceRepository,
    private readonly rate: SendRateLimiter,
    private readonly publisher: SubmissionPublisher,
    @Inject(APP_IDENTITY) private readonly identity: AppIdentity,
    metrics: MetricsService,
  ) {
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

  private async sendChecked(sender: Sender, payload: DanmakuSendPayload): Promise<DanmakuSendAck> {
    const { principal } = sender;
    if (principal.role === 'guest') throw new DomainException('FORBIDDEN', 'Guests may watch but not send');
    if (!sender.joined) throw new DomainException('ROOM_NOT_JOINED', `Join room ${payload.roomId} before sending`);

    const [settings, sanctions] = await Promise.all([
      this.rooms.settings(payload.roomId),
      this.sanctions.of(payload.roomId, principal.userId),
    ]);
    if (sanctions.bannedUntil !== undefined) {
      throw new DomainException('BANNED', 'You are banned from this room', { until: sanctions.bannedUntil });
    }
    if (sanctions.mutedUntil !== undefined) {
      const retryAfterMs = Math.max(0, sanctions.mutedUntil - Date.now());
      throw new DomainException('MUTED', 'You are muted in this room', { until: sanctions.mutedUntil }, retryAfterMs);
    }
    if (settings.closed) throw new DomainException('ROOM_CLOSED', 'This room is closed to new danmaku');
    const length = graphemeLength(payload.text);
    if (length > settings.maxLength) {
      throw new DomainException('TOO_LONG', `Text is ${length} characters; the room allows ${settings.maxLength}`, {
        maxLength: settings.maxLength,
        length,
      });
    }
    if (!this.publisher.available) throw new DomainException('UNAVAILABLE', 'Cannot queue messages right now');

    await sender.turn?.previous;
    const id = uuidv7();
    if (payload.nonce) {
      const claim = await this.nonces.claim(principal.userId, payload.nonce, id);
      // A resend: answer with the first id, queue nothing new.
      if (!claim.claimed) return { id: claim.id };
    }
    await this.rate.consume(principal.userId).catch(async (e: unknown) => {
      if (payload.nonce) await this.nonces.release(principal.userId, payload.nonce, id);
      throw e;
    });
    let queued: Promise<void>;
    try {
      queued = this.publisher.publish({
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
      if (payload.nonce) await this.nonces.release(principal.userId, payload.nonce, id).catch(() => undefined);
      throw new DomainException('UNAVAILABLE', 'Cannot queue messages right now; nothing was queued');
    }
    this.submitted.inc();
    return { id };
  }
}
