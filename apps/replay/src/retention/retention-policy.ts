import { danmakuSchema } from '@danmaku/contracts';
import { indexesOf } from '../store/replay-keys';
import type { DeleteChunk, StoredRow } from '../store/replay-maintenance.repository';

const DAY_MS = 24 * 3600 * 1000;

/** Data older than this (ms) is past retention; null when everything is kept forever. */
export function retentionCutoff(days: number, now: number): number | null {
  return days > 0 ? now - days * DAY_MS : null;
}

/**
 * A session-less danmaku older than the cutoff would be deleted by the next sweep: it is not
 * stored in the first place (a rebuild or redelivery of old history). Session danmaku follow
 * their session, whose end decides (see the ingest script's purged check).
 */
export function expiredOnArrival(
  d: { sessionId: string | null; sentAt: number },
  cutoff: number | null,
): boolean {
  return cutoff !== null && d.sessionId === null && d.sentAt < cutoff;
}

/**
 * What to delete for rows at the head of the room's wall-clock timeline, all older than the
 * cutoff: every member leaves the room history, but only session-less bodies go (a session's
 * danmaku stay in its timeline until the session itself expires).
 */
export function roomHistoryDeletion(rows: StoredRow[]): DeleteChunk {
  const ids: string[] = [];
  for (const row of rows) {
    if (row.body !== null && danmakuSchema.parse(JSON.parse(row.body)).sessionId === null) ids.push(row.id);
  }
  return { ids, roomMembers: rows.map((r) => r.member), sessionMembers: [] };
}

/** What to delete for rows at the head of an expiring session's timeline: bodies and both indexes. */
export function sessionDeletion(rows: StoredRow[]): DeleteChunk {
  const ids: string[] = [];
  const roomMembers: string[] = [];
  for (const row of rows) {
    if (row.body === null) continue;
    ids.push(row.id);
    roomMembers.push(indexesOf(danmakuSchema.parse(JSON.parse(row.body))).roomMember);
  }
  return { ids, roomMembers, sessionMembers: rows.map((r) => r.member) };
}
