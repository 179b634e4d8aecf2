import { SITE_AUDIT_ROOM } from '@danmaku/contracts';

/**
 * Redis keys private to moderation (prefix `mod:`). Keys other apps read live in
 * `sharedRedisKeys` (contracts). The namespace prefix is added by the Redis client.
 */
export const modKeys = {
  /** String, JSON StoredDecision, TTL = MODERATION_DECISION_TTL_SEC. */
  decision: (id: string) => `mod:decision:${id}`,
  /** String counter: the room's last accepted seq. */
  roomSeq: (roomId: string) => `mod:room:${roomId}:seq`,
  /** Set of userIds. */
  moderators: (roomId: string) => `mod:room:${roomId}:moderators`,
  /** List, newest first, of JSON `{sessionId, startedAt, endedAt}` of ended sessions (the live one is `room:{id}:live`). */
  sessions: (roomId: string) => `mod:room:${roomId}:sessions`,
  /** Hash termId → JSON BlockedTermView. `null` roomId = site-wide. */
  terms: (roomId: string | null) => (roomId === null ? 'mod:site:terms' : `mod:room:${roomId}:terms`),
  /** Hash normalized term → termId (duplicate check). */
  termIndex: (roomId: string | null) =>
    roomId === null ? 'mod:site:terms:index' : `mod:room:${roomId}:terms:index`,
  /**
   * String: a new random token with every change of the term set (the term-set cache keys
   * its compiled automaton by it; random so a Redis that lost the key never repeats one).
   */
  termsVersion: (roomId: string | null) =>
    roomId === null ? 'mod:site:terms:version' : `mod:room:${roomId}:terms:version`,
  /**
   * String: a random token replaced in the same atomic write as every change of what a
   * decision reads of the scope (settings, live and ended sessions, terms, bans, mutes;
   * `null` = site-wide bans and terms). Deciders cache that state under the token, and the
   * decision script refuses a message whose room or site token moved on (see
   * DecisionContextCache). Written with `newContextToken()`.
   */
  context: (roomId: string | null) => (roomId === null ? 'mod:site:context' : `mod:room:${roomId}:context`),
  /** Hash userId → JSON SanctionView. `null` roomId = site-wide (bans only). */
  bans: (roomId: string | null) => (roomId === null ? 'mod:site:bans' : `mod:room:${roomId}:bans`),
  mutes: (roomId: string) => `mod:room:${roomId}:mutes`,
  /** Sorted set: member JSON AuditEntry, score = `auditSeq` value (newest = highest). */
  audit: (roomId: string | null) => `mod:room:${roomId ?? SITE_AUDIT_ROOM}:audit`,
  auditSeq: (roomId: string | null) => `mod:room:${roomId ?? SITE_AUDIT_ROOM}:audit:seq`,
  /** String: sentAt of the user's last accepted message in the room (slow mode). */
  lastAccepted: (roomId: string, userId: string) => `mod:room:${roomId}:last:${userId}`,
  /** String: sentAt of the user's last accepted message with this text hash (uniqueChat). */
  recentText: (roomId: string, userId: string, textHash: string) =>
    `mod:room:${roomId}:text:${userId}:${textHash}`,
  /** Sorted set of the user's recent submission ids by sentAt (flood control). */
  flood: (roomId: string, userId: string) => `mod:room:${roomId}:flood:${userId}`,
} as const;
