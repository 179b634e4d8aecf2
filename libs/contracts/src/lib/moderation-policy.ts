import { danmakuTextProblem } from './danmaku-text';
import type { RoomSettings } from './danmaku';
import { graphemeLength } from './primitives';
import type { SharedSanction } from './redis-keys';

/**
 * The moderation rules that both the gateway (early, from its cached read model) and
 * moderation (authoritatively, on every message) apply: pure functions, one wording per
 * contract code. Moderation runs them in `staticRefusal`'s order; the gateway runs the
 * ones that need no Redis first (docs/adr/0003-shared-room-read-model.md).
 */

/** A rule's refusal: the contract code, the one wording for it, and the facts behind it. */
export interface PolicyRefusal<C extends string = PolicyCode> {
  code: C;
  message: string;
  details?: Record<string, number | null>;
}

export type PolicyCode = 'BANNED' | 'MUTED' | 'ROOM_CLOSED' | 'TOO_LONG' | 'TOO_MANY_MARKS';

/** Whether a ban or mute is in force at `now` (ms): `until` null is for ever. */
export function sanctionInForce(s: SharedSanction | null | undefined, now: number): boolean {
  return !!s && (s.until === null || s.until > now);
}

/** The sanctions in force on a sender: a ban (site-wide or of the room) and a room mute. */
export interface SanctionsInForce {
  /** Banned until then (null: for ever); undefined: not banned. */
  bannedUntil?: number | null;
  /** Muted until then; undefined: not muted. */
  mutedUntil?: number;
}

/** The sanctions of `bans` (site-wide, room) and `mute` that are in force at `now`. */
export function sanctionsInForce(
  bans: (SharedSanction | null | undefined)[],
  mute: SharedSanction | null | undefined,
  now: number,
): SanctionsInForce {
  const out: SanctionsInForce = {};
  const active = bans.filter((b): b is SharedSanction => sanctionInForce(b, now));
  if (active.length > 0)
    out.bannedUntil = active.some((b) => b.until === null)
      ? null
      : Math.max(...active.map((b) => b.until ?? 0));
  if (mute && sanctionInForce(mute, now) && mute.until !== null) out.mutedUntil = mute.until;
  return out;
}

/** BANNED before MUTED: the sender learns the weightiest reason. */
export function sanctionRefusal(s: SanctionsInForce): PolicyRefusal<'BANNED' | 'MUTED'> | null {
  if (s.bannedUntil !== undefined)
    return {
      code: 'BANNED',
      message: `You are banned from this room${untilText(s.bannedUntil)}`,
      details: { until: s.bannedUntil },
    };
  if (s.mutedUntil !== undefined)
    return {
      code: 'MUTED',
      message: `You are muted in this room${untilText(s.mutedUntil)}`,
      details: { until: s.mutedUntil },
    };
  return null;
}

export function roomClosedRefusal(
  settings: Pick<RoomSettings, 'closed'>,
): PolicyRefusal<'ROOM_CLOSED'> | null {
  return settings.closed ? { code: 'ROOM_CLOSED', message: 'This room is closed to new danmaku' } : null;
}

/** The room's `maxLength` in grapheme clusters (`TOO_LONG`). */
export function roomLengthRefusal(
  text: string,
  settings: Pick<RoomSettings, 'maxLength'>,
): PolicyRefusal<'TOO_LONG'> | null {
  // A grapheme holds at least one UTF-16 unit, so a text no longer than the limit in units
  // is within it: only longer ones need segmenting (the costly part, run on every message).
  if (text.length <= settings.maxLength) return null;
  const length = graphemeLength(text);
  return length > settings.maxLength
    ? {
        code: 'TOO_LONG',
        message: `Text is ${length} characters; the room allows ${settings.maxLength}`,
        details: { maxLength: settings.maxLength, length },
      }
    : null;
}

/**
 * The room's `maxLength` in grapheme clusters (`TOO_LONG`), then the byte and combining-mark
 * bounds of DANMAKU_TEXT_LIMITS (`TOO_LONG`, `TOO_MANY_MARKS`), of an NFC-normalised text
 * (as `danmakuTextSchema` yields it). A caller whose input already went through
 * `danmakuTextSchema` (the gateway's `danmaku:send`) needs only `roomLengthRefusal`.
 */
export function textRefusal(
  text: string,
  settings: Pick<RoomSettings, 'maxLength'>,
): PolicyRefusal<'TOO_LONG' | 'TOO_MANY_MARKS'> | null {
  return roomLengthRefusal(text, settings) ?? danmakuTextProblem(text);
}

/**
 * Every rule that depends on the sender, the room and the text alone, in the authoritative
 * order: ban, mute, closed room, length. (Blocked terms and the rate rules are moderation's.)
 */
export function staticRefusal(facts: {
  sanctions: SanctionsInForce;
  settings: Pick<RoomSettings, 'closed' | 'maxLength'>;
  text: string;
}): PolicyRefusal | null {
  return (
    sanctionRefusal(facts.sanctions) ??
    roomClosedRefusal(facts.settings) ??
    textRefusal(facts.text, facts.settings)
  );
}

function untilText(until: number | null): string {
  return until === null ? '' : ` until ${new Date(until).toISOString()}`;
}
