import type { EndedSessionView, LiveSession, RoomSettings, SanctionView } from '@danmaku/contracts';
import type { CompiledTerms } from '../blocked-terms/term-matcher';
import type { RateRules, Rejection, RoomContext } from './decision.types';

export interface PolicyLimits {
  floodMax: number;
  floodWindowMs: number;
  duplicateWindowMs: number;
}

export interface SubmissionFacts {
  userId: string;
  text: string;
  sentAt: number;
}

/**
 * The moderation rules, as pure functions of a submission and what is known about its
 * room. Static rules are answered here; rate rules (flood, slow mode, duplicates) depend on
 * earlier decisions and run atomically in Redis (DecisionStoreRepository) with these limits.
 */
export class DecisionPolicy {
  constructor(private readonly limits: PolicyLimits) {}

  /** Ban, mute, closed room and blocked terms, in that order: the sender learns the weightiest reason. */
  staticRejection(
    sub: SubmissionFacts,
    room: RoomContext,
    site: { bans: Map<string, SanctionView>; terms: CompiledTerms },
    now: number,
  ): Rejection | null {
    const siteBan = active(site.bans.get(sub.userId), now);
    if (siteBan) return { code: 'BANNED', reason: `You are banned from the site${untilText(siteBan.until)}` };
    const roomBan = active(room.bans.get(sub.userId), now);
    if (roomBan)
      return { code: 'BANNED', reason: `You are banned from this room${untilText(roomBan.until)}` };
    const mute = active(room.mutes.get(sub.userId), now);
    if (mute) return { code: 'MUTED', reason: `You are muted in this room${untilText(mute.until)}` };
    if (room.settings.closed) return { code: 'ROOM_CLOSED', reason: 'This room is closed to new messages' };
    // The term itself is not echoed: telling the sender what matched helps evasion.
    if (room.roomTerms.firstMatch(sub.text) !== null || site.terms.firstMatch(sub.text) !== null) {
      return { code: 'BLOCKED_TERM', reason: 'Your message contains a blocked term' };
    }
    return null;
  }

  rateRules(settings: RoomSettings): RateRules {
    return {
      slowModeMs: settings.slowModeSec * 1000,
      duplicateWindowMs: settings.uniqueChat ? this.limits.duplicateWindowMs : 0,
      floodMax: this.limits.floodMax,
      floodWindowMs: this.limits.floodWindowMs,
    };
  }

  rateRejections(settings: RoomSettings): { flood: Rejection; slowMode: Rejection; duplicate: Rejection } {
    return {
      flood: { code: 'FLOOD', reason: 'You are sending messages too fast; slow down' },
      slowMode: {
        code: 'SLOW_MODE',
        reason: `Slow mode is on: one message every ${settings.slowModeSec} s`,
      },
      duplicate: {
        code: 'DUPLICATE',
        reason: `You sent the same message less than ${Math.round(this.limits.duplicateWindowMs / 1000)} s ago`,
      },
    };
  }

  /**
   * The session that was live at `sentAt`: the current one if it had started by then,
   * else the last ended one if `sentAt` falls inside it (a message queued just before the end).
   */
  sessionAt(
    sentAt: number,
    live: LiveSession | null,
    lastEnded: EndedSessionView | null,
  ): { sessionId: string | null; offsetMs: number | null } {
    if (live && live.startedAt <= sentAt)
      return { sessionId: live.sessionId, offsetMs: sentAt - live.startedAt };
    if (lastEnded && lastEnded.startedAt <= sentAt && sentAt < lastEnded.endedAt) {
      return { sessionId: lastEnded.sessionId, offsetMs: sentAt - lastEnded.startedAt };
    }
    return { sessionId: null, offsetMs: null };
  }
}

export const DECISION_POLICY = Symbol('DECISION_POLICY');

function active(s: SanctionView | undefined, now: number): SanctionView | null {
  if (!s) return null;
  return s.until === null || s.until > now ? s : null;
}

function untilText(until: number | null): string {
  return until === null ? '' : ` until ${new Date(until).toISOString()}`;
}
