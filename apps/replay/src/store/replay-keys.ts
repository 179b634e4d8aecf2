/**
 * The replay store's Redis layout and the encoding of its sorted-set members.
 *
 * Every key of a room shares the hash tag `{roomId}`, so one Lua script can touch all of
 * a room's keys on a Redis Cluster too. The deployment namespace is added by the client's
 * keyPrefix (before the tag), never here.
 */
export const replayKeys = {
  /**
   * Hash: danmaku id → JSON Danmaku, or the tombstone "-" once retracted (so a redelivered
   * accepted event never revives it). One lookup tells stored, duplicate and retracted apart.
   */
  messages: (roomId: string) => `replay:{${roomId}}:msg`,
  /** Sorted set (all scores 0): `<sentAt>:<seq>:<id>` members, the room's wall-clock timeline. */
  roomTimeline: (roomId: string) => `replay:{${roomId}}:timeline`,
  /** Hash: sessionId → startedAt (ms). Every session the room ever had. */
  sessionStarts: (roomId: string) => `replay:{${roomId}}:sessions:started`,
  /** Hash: sessionId → endedAt (ms), for ended sessions only. */
  sessionEnds: (roomId: string) => `replay:{${roomId}}:sessions:ended`,
  /** Sorted set (all scores 0): `<offsetMs>:<seq>:<id>` members, a session's video timeline. */
  sessionTimeline: (roomId: string, sessionId: string) => `replay:{${roomId}}:session:${sessionId}:timeline`,
  /**
   * Hash: floor(offsetMs / (levelSec * 1000)) → message count in that window: the density
   * histogram's raw data, kept at every level of DENSITY_LEVELS_SEC (level 1 has no suffix).
   */
  sessionDensity: (roomId: string, sessionId: string, levelSec = 1) =>
    `replay:{${roomId}}:session:${sessionId}:density${levelSec === 1 ? '' : `:${levelSec}s`}`,
  /**
   * Hash: sessionId → version, bumped whenever the session's stored danmaku change (ingest,
   * retraction): the strong ETag of its pages and density.
   */
  sessionVersions: (roomId: string) => `replay:{${roomId}}:sessions:version`,
  /**
   * Hash: sessionId → purgedAt (ms), or "pending" while retention is deleting it. A purged
   * session's danmaku and events are ignored if Kafka delivers them again (rebuild, redelivery).
   */
  sessionsPurged: (roomId: string) => `replay:{${roomId}}:sessions:purged`,
} as const;

/** Keys that belong to no room (never touched by a room's scripts). */
export const replayGlobalKeys = {
  /** String with a TTL: held by the instance running the retention sweep of this interval. */
  retentionLock: 'replay:retention:lock',
} as const;

/** Value of a `sessionsPurged` field while the purge is still deleting the session's data. */
export const PURGE_PENDING = 'pending';

const ROOM_KEY = /^replay:\{([A-Za-z0-9_-]{1,64})\}:(msg|timeline|sessions:started)$/;

/**
 * The room a key (without the namespace prefix) is the message hash, timeline or session list
 * of; null for any other key. Every room with anything stored has at least one of the three.
 */
export function roomOfKey(key: string): string | null {
  return ROOM_KEY.exec(key)?.[1] ?? null;
}

/** Width of the finest per-session density counters. */
export const DENSITY_COUNTER_MS = 1000;

/**
 * Widths (seconds) of the density counter levels, finest first. A histogram reads the
 * coarsest level dividing its bucket width, so the default 10 s buckets of a 3-hour session
 * sum 1,080 counters, not 10,800 (Redis time per request drops about tenfold).
 */
export const DENSITY_LEVELS_SEC = [1, 10, 60, 600] as const;

/** Every density key of a session, in DENSITY_LEVELS_SEC order. */
export function sessionDensityKeys(roomId: string, sessionId: string): string[] {
  return DENSITY_LEVELS_SEC.map((level) => replayKeys.sessionDensity(roomId, sessionId, level));
}

/** The coarsest counter level (seconds) whose width divides `bucketMs`; null when none does. */
export function densityLevelFor(bucketMs: number): number | null {
  let best: number | null = null;
  for (const level of DENSITY_LEVELS_SEC) if (bucketMs % (level * DENSITY_COUNTER_MS) === 0) best = level;
  return best;
}

const TIME_DIGITS = 13;
const SEQ_DIGITS = 12;
const MAX_TIME = 10 ** TIME_DIGITS - 1;
const MAX_SEQ = 10 ** SEQ_DIGITS - 1;

/** A place on a timeline: `at` is offsetMs (session) or sentAt (room); `seq` breaks ties. */
export interface TimelinePosition {
  at: number;
  seq: number;
}

// Fixed-width digits make lexicographic order equal numeric order. Values outside the
// range are clamped (a negative offset from clock skew sorts at 0) so order never breaks.
function padTime(ms: number): string {
  return String(Math.min(MAX_TIME, Math.max(0, Math.floor(ms)))).padStart(TIME_DIGITS, '0');
}
function padSeq(seq: number): string {
  return String(Math.min(MAX_SEQ, Math.max(0, Math.floor(seq)))).padStart(SEQ_DIGITS, '0');
}

/** The sorted-set member of a message: `<at 13 digits>:<seq 12 digits>:<id>`. */
export function timelineMember(at: number, seq: number, id: string): string {
  return `${padTime(at)}:${padSeq(seq)}:${id}`;
}

const MEMBER = /^(\d{13}):(\d{12}):/;

/** Characters before the id in a member: `<13 digits>:<12 digits>:`. */
export const MEMBER_PREFIX_LENGTH = TIME_DIGITS + 1 + SEQ_DIGITS + 1;

export function positionOfMember(member: string): TimelinePosition {
  const m = MEMBER.exec(member);
  if (!m) throw new Error(`not a timeline member: ${member}`);
  return { at: Number(m[1]), seq: Number(m[2]) };
}

/** The danmaku id a member ends with (ids may contain ':'). */
export function idOfMember(member: string): string {
  const m = MEMBER.exec(member);
  if (!m) throw new Error(`not a timeline member: ${member}`);
  return member.slice(m[0].length);
}

/**
 * ZRANGEBYLEX bounds for `from <= at < to`, starting strictly after `after` (a cursor).
 * `<t>:` sorts before every member at time t; `<t>:<seq>;` (';' follows ':') sorts after
 * every member at (t, seq) and before the next one, so no member ever equals a bound.
 */
export function lexRange(window: { from?: number; to?: number; after?: TimelinePosition }): {
  min: string;
  max: string;
} {
  const fromBound = window.from === undefined ? undefined : `${padTime(window.from)}:`;
  const afterBound =
    window.after === undefined ? undefined : `${padTime(window.after.at)}:${padSeq(window.after.seq)};`;
  let min = '-';
  if (fromBound !== undefined && afterBound !== undefined)
    min = `(${fromBound > afterBound ? fromBound : afterBound}`;
  else if (fromBound !== undefined || afterBound !== undefined) min = `(${fromBound ?? afterBound}`;
  const max = window.to === undefined ? '+' : `(${padTime(window.to)}:`;
  return { min, max };
}

/** The density counter (hash field) a message at `offsetMs` counts in. */
export function densityField(offsetMs: number): string {
  return String(Math.floor(Math.min(MAX_TIME, Math.max(0, offsetMs)) / DENSITY_COUNTER_MS));
}

/** Index offset as stored: clamped to the member range. */
export function indexedOffset(offsetMs: number): number {
  return Math.min(MAX_TIME, Math.max(0, Math.floor(offsetMs)));
}

/** Left-pads in Lua the same way (used by the density script's window bounds). */
export const LUA_TIME_FORMAT = `%0${TIME_DIGITS}d`;

/** Where one message goes: its room-timeline member and, with a session, its session indexes. */
export interface MessageIndexes {
  roomMember: string;
  session: { sessionId: string; member: string; densityField: string } | null;
}

export function indexesOf(d: {
  id: string;
  seq: number;
  sentAt: number;
  sessionId: string | null;
  offsetMs: number | null;
}): MessageIndexes {
  const roomMember = timelineMember(d.sentAt, d.seq, d.id);
  if (d.sessionId === null) return { roomMember, session: null };
  // A message naming a session without an offset (should not happen) is placed at offset 0.
  const offset = indexedOffset(d.offsetMs ?? 0);
  return {
    roomMember,
    session: {
      sessionId: d.sessionId,
      member: timelineMember(offset, d.seq, d.id),
      densityField: densityField(offset),
    },
  };
}
