import {
  sanctionsInForce,
  staticRefusal,
  type EndedSessionView,
  type LiveSession,
  type RoomSettings,
  type SanctionView,
} from '@danmaku/contracts';
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

  /**
   * The shared static rules (ban, mute, closed room, length: `staticRefusal` in
   * @danmaku/contracts, the gateway's early checks use the same), then blocked terms.
   * Moderation is authoritative: the gateway checked against a cached read model, and a
   * sanction, `closed` or `maxLength` may have changed since.
   */
  staticRejection(
    sub: SubmissionFacts,
    room: RoomContext,
    site: { bans: Map<string, SanctionView>; terms: CompiledTerms },
    now: number,
  ): Rejection | null {
    const sanctions = sanctionsInForce(
      [site.bans.get(sub.userId), room.bans.get(sub.userId)],
      room.mutes.get(sub.userId),
      now,
    );
    const refusal = staticRefusal({ sanctions, settings: room.settings, text: sub.text });
    if (refusal) return { code: refusal.code, reason: refusal.message };
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
