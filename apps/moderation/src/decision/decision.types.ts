import { z } from 'zod';
import {
  REJECTION_CODES,
  epochMsSchema,
  type EndedSessionView,
  type LiveSession,
  type RejectionCode,
  type RoomSettings,
  type SanctionView,
} from '@danmaku/contracts';
import type { CompiledTerms } from '../blocked-terms/term-matcher';

export interface Rejection {
  code: RejectionCode;
  reason: string;
}

/**
 * A decision as stored in `mod:decision:{id}` (private to moderation). Redelivered
 * submissions are answered from it, so they keep their seq, session and time.
 */
export const storedDecisionSchema = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('accepted'),
    seq: z.number().int().positive(),
    /** The room's stream epoch the seq belongs to (absent on decisions stored before epochs). */
    epoch: z.string().optional(),
    sessionId: z.string().nullable(),
    offsetMs: z.number().int().nullable(),
    decidedAt: epochMsSchema,
  }),
  z.object({
    outcome: z.literal('rejected'),
    code: z.enum(REJECTION_CODES),
    reason: z.string(),
    decidedAt: epochMsSchema,
  }),
]);
export type StoredDecision = z.infer<typeof storedDecisionSchema>;
export type AcceptedDecision = Extract<StoredDecision, { outcome: 'accepted' }>;
export type RejectedDecision = Extract<StoredDecision, { outcome: 'rejected' }>;

/** Rate rules checked atomically with the seq assignment (they depend on earlier decisions). */
export interface RateRules {
  /** 0: off. */
  slowModeMs: number;
  /** 0: uniqueChat off. */
  duplicateWindowMs: number;
  /** 0: off. */
  floodMax: number;
  floodWindowMs: number;
}

/** What one `mod:decide` script call needs; see DecisionStoreRepository. */
export interface DecisionRequest {
  id: string;
  roomId: string;
  userId: string;
  sentAt: number;
  /** Hash of the normalized text (uniqueChat). */
  textHash: string;
  /** Set when a static rule (ban, mute, closed, term) already refused it. */
  rejectNow: RejectedDecision | null;
  /** The decision if every rule passes; the script adds the seq. */
  ifAccepted: Omit<AcceptedDecision, 'seq'>;
  rules: RateRules;
  ifFlood: RejectedDecision;
  ifSlowMode: RejectedDecision;
  ifDuplicate: RejectedDecision;
  /**
   * The danmaku as the room's recent buffer stores it if accepted, around its seq: the
   * script appends `head + seq + tail` in the same call that assigns the seq.
   */
  recent: { head: string; tail: string };
  /** The room's context token the static rules were evaluated under ('' = none written yet). */
  contextToken: string;
}

export interface RecordedDecision {
  decision: StoredDecision;
  /** False when the submission had been decided before (a redelivery). */
  fresh: boolean;
}

/** Not decided: the room's or the site's context changed after its static rules ran. */
export interface StaleContext {
  stale: 'room' | 'site';
}

export type RecordOutcome = RecordedDecision | StaleContext;

/** Everything the static rules read about one room, loaded once per batch. */
export interface RoomContext {
  settings: RoomSettings;
  live: LiveSession | null;
  lastEnded: EndedSessionView | null;
  /** Room bans and mutes of the batch's senders, by userId (may include expired ones). */
  bans: Map<string, SanctionView>;
  mutes: Map<string, SanctionView>;
  roomTerms: CompiledTerms;
}

export interface BatchContext {
  rooms: Map<string, RoomContext>;
  siteBans: Map<string, SanctionView>;
  siteTerms: CompiledTerms;
}
