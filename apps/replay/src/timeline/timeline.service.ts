import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { Danmaku, Page, roomDanmakuQuerySchema, sessionDanmakuQuerySchema } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { lexRange, positionOfMember } from '../store/replay-keys';
import { ReplayStoreRepository, type TimelineRead } from '../store/replay-store.repository';
import { decodeCursor, encodeCursor, type TimelineKind } from './cursor';

export type SessionDanmakuQuery = z.infer<typeof sessionDanmakuQuerySchema>;
export type RoomDanmakuQuery = z.infer<typeof roomDanmakuQuerySchema>;

export interface TimelinePage {
  page: Page<Danmaku>;
  /** The session ended (its pages barely change any more); false for live sessions and room history. */
  ended: boolean;
}

/** Cursor-paged reads of a session's timeline (by offsetMs, seq) and a room's (by sentAt, seq). */
@Injectable()
export class TimelineService {
  constructor(private readonly store: ReplayStoreRepository) {}

  /** `fromMs <= offsetMs < toMs`. */
  async sessionPage(roomId: string, sessionId: string, query: SessionDanmakuQuery): Promise<TimelinePage> {
    checkWindow(query.fromMs, query.toMs, 'fromMs', 'toMs');
    const after = query.cursor === undefined ? undefined : decodeCursor('session', query.cursor);
    const { min, max } = lexRange({ from: query.fromMs, to: query.toMs, after });
    const read = await this.store.readSessionPage(roomId, sessionId, min, max, query.limit + 1);
    if (!read.found) throw new DomainException('NOT_FOUND', `No session ${sessionId} in room ${roomId}`);
    return { page: toPage('session', read, query.limit), ended: read.endedAt !== null };
  }

  /** `from <= sentAt < to`. */
  async roomPage(roomId: string, query: RoomDanmakuQuery): Promise<TimelinePage> {
    checkWindow(query.from, query.to, 'from', 'to');
    const after = query.cursor === undefined ? undefined : decodeCursor('room', query.cursor);
    const { min, max } = lexRange({ from: query.from, to: query.to, after });
    const read = await this.store.readRoomPage(roomId, min, max, query.limit + 1);
    return { page: toPage('room', read, query.limit), ended: false };
  }
}

function checkWindow(
  from: number | undefined,
  to: number | undefined,
  fromName: string,
  toName: string,
): void {
  if (from !== undefined && to !== undefined && to < from) {
    throw new DomainException('INVALID_PAYLOAD', 'Invalid query', [
      { path: toName, message: `${toName} must not be less than ${fromName}` },
    ]);
  }
}

/** `read` holds up to limit + 1 rows: the extra one only tells that another page exists. */
function toPage(kind: TimelineKind, read: TimelineRead, limit: number): Page<Danmaku> {
  const rows = read.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    // Bodies were validated against danmakuSchema before they were stored.
    items: rows.map((r) => JSON.parse(r.body) as Danmaku),
    nextCursor: read.rows.length > limit && last ? encodeCursor(kind, positionOfMember(last.member)) : null,
  };
}
