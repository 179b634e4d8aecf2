import { DomainException } from '@danmaku/platform';
import type { TimelinePosition } from '../store/replay-keys';

/** Which timeline a cursor walks; a cursor of one is refused by the other. */
export type TimelineKind = 'session' | 'room';

const TAG: Record<TimelineKind, string> = { session: 's1', room: 'r1' };
const PLAIN = /^([a-z]\d):(\d{1,16}):(\d{1,16})$/;

/**
 * Opaque cursor (base64url of `<tag>:<at>:<seq>`): the position of the last item served.
 * The next page starts strictly after it, so pages never repeat or skip stored items, and
 * the cursor stays valid while new messages arrive (it names a place, not an index).
 */
export function encodeCursor(kind: TimelineKind, position: TimelinePosition): string {
  return Buffer.from(`${TAG[kind]}:${position.at}:${position.seq}`, 'utf8').toString('base64url');
}

export function decodeCursor(kind: TimelineKind, cursor: string): TimelinePosition {
  const plain = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = PLAIN.exec(plain);
  // Re-encoding must give the same text: refuses lenient decodes of garbage.
  if (!m || m[1] !== TAG[kind] || Buffer.from(plain, 'utf8').toString('base64url') !== cursor) {
    throw new DomainException('INVALID_PAYLOAD', 'Invalid query', [
      { path: 'cursor', message: 'not a cursor of this timeline (use nextCursor as returned)' },
    ]);
  }
  return { at: Number(m[2]), seq: Number(m[3]) };
}
