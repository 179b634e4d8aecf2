import { Inject, Injectable } from '@nestjs/common';
import { sanctionRefusal, type RoomJoinAck, type RoomJoinPayload } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { GATEWAY_CONFIG, JOIN_RECENT_COUNT, type GatewayConfig } from '../config/gateway.config';
import { RecentBufferRepository } from '../fanout/recent-buffer.repository';
import type { BroadcastMark } from '../fanout/room-fanout.service';
import { PresenceService } from '../presence/presence.service';
import { RoomStateRepository } from './room-state.repository';
import { SanctionsRepository } from './sanctions.repository';

/** What a viewer gets on joining: settings, online count and recent danmaku (or what they missed). */
@Injectable()
export class RoomService {
  constructor(
    private readonly rooms: RoomStateRepository,
    private readonly recent: RecentBufferRepository,
    private readonly presence: PresenceService,
    private readonly sanctions: SanctionsRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'GATEWAY_MAX_ROOMS_PER_SOCKET'>,
  ) {}

  /** A socket may be in at most GATEWAY_MAX_ROOMS_PER_SOCKET live rooms (rejoining one it is in is fine). */
  checkRoomCap(joined: string[], roomId: string): void {
    const max = this.config.GATEWAY_MAX_ROOMS_PER_SOCKET;
    if (joined.length >= max && !joined.includes(roomId)) {
      throw new DomainException(
        'TOO_MANY_ROOMS',
        `A connection may be in at most ${max} rooms; leave one first`,
        { max },
      );
    }
  }

  /** Banned users (room or site-wide) may not join; the refusal has the shared policy's wording. */
  async admit(roomId: string, userId: string): Promise<void> {
    const { bannedUntil } = await this.sanctions.of(roomId, userId);
    const refusal = sanctionRefusal({ bannedUntil });
    if (refusal) throw new DomainException(refusal.code, refusal.message, refusal.details);
  }

  /**
   * Call after the socket joined the Socket.IO room, with `mark` the instance's broadcast
   * mark read in the same tick as the join (null: unknown, the whole buffer counts): what
   * is above it reaches the socket live, so nothing falls between the two or comes twice.
   * A mark of another epoch than the buffer's says nothing about it and is ignored.
   */
  async joined(payload: RoomJoinPayload, mark: BroadcastMark | null): Promise<RoomJoinAck> {
    const { roomId, sinceSeq } = payload;
    const [settings, online, window] = await Promise.all([
      this.rooms.settings(roomId),
      this.presence.changed(roomId),
      this.recent.window(
        roomId,
        sinceSeq === undefined
          ? { count: JOIN_RECENT_COUNT, upTo: mark?.seq }
          : { sinceSeq, upTo: mark?.seq },
      ),
    ]);
    const upTo = mark && mark.epoch === window.epoch ? mark.seq : null;
    // Cut in Redis by the mark's seq; a mark of another epoch must not cut: read it all again.
    const { items } =
      mark && upTo === null
        ? await this.recent.window(
            roomId,
            sinceSeq === undefined ? { count: JOIN_RECENT_COUNT } : { sinceSeq },
          )
        : window;
    // Nothing after sinceSeq is missing when the client is up to date (or ahead of this
    // instance's broadcasts, which it will get live), or when the buffer still reaches back
    // to sinceSeq + 1. A sinceSeq beyond the room's last seq means the client's state does
    // not match ours: it must refetch.
    const reachable = upTo === null ? window.lastSeq : Math.min(upTo, window.lastSeq);
    const recovered =
      sinceSeq !== undefined &&
      sinceSeq <= window.lastSeq &&
      (sinceSeq >= reachable || (window.oldestSeq > 0 && window.oldestSeq <= sinceSeq + 1));
    return { roomId, online, settings, recent: items, recovered, epoch: window.epoch };
  }

  async left(roomId: string): Promise<void> {
    await this.presence.changed(roomId);
  }
}
