import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { roomDanmakuQuerySchema, sessionDanmakuQuerySchema } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import { lexRange, positionOfMember } from '../store/replay-keys';
import { ReplayStoreRepository, type TimelineRead } from '../store/replay-store.repository';
import { decodeCursor, encodeCursor, type TimelineKind } from './cursor';
import { etagMatches, sessionEtag, type SessionAnswer } from './cache-policy';
import { pageJson, type PageJson } from './page-json';

export type SessionDanmakuQuery = z.infer<typeof sessionDanmakuQuerySchema>;
export type RoomDanmakuQuery = z.infer<typeof roomDanmakuQuerySchema>;

/** Cursor-paged reads of a session's timeline (by offsetMs, seq) and a room's (by sentAt, seq). */
@Injectable()
export class TimelineService {
  constructor(private readonly store: ReplayStoreRepository) {}

  /**
   * `fromMs <= offsetMs < toMs`. With `ifNoneMatch` naming the session's current version, the
   * answer has no body (304) and the timeline is not read at all.
   */
  async sessionPage(
    roomId: string,
    sessionId: string,
    query: SessionDanmakuQuery,
    ifNoneMatch?: string,
  ): Promise<SessionAnswer<PageJson>> {
    checkWindow(query.fromMs, query.toMs, 'fromMs', 'toMs');
    const after = query.cursor === undefined ? undefined : decodeCursor('session', query.cursor);
    if (ifNoneMatch) {
      const state = await this.store.readSessionState(roomId, sessionId);
      const etag = sessionEtag(state.version);
      if (state.found && etagMatches(ifNoneMatch, etag))
        return { body: null, etag, ended: state.endedAt !== null };
    }
    const { min, max } = lexRange({ from: query.fromMs, to: query.toMs, after });
    const read = await this.store.readSessionPage(roomId, sessionId, min, max, query.limit);
    if (!read.found) throw new DomainException('NOT_FOUND', `No session ${sessionId} in room ${roomId}`);
    return {
      body: toPage('session', read),
      etag: sessionEtag(read.version),
      ended: read.endedAt !== null,
    };
  }

  /** `from <= sentAt < to`. Always changing while the room lives: no version, revalidated by content. */
  async roomPage(roomId: string, query: RoomDanmakuQuery): Promise<PageJson> {
    checkWindow(query.from, query.to, 'from', 'to');
    const after = query.cursor === undefined ? undefined : decodeCursor('room', query.cursor);
    const { min, max } = lexRange({ from: query.from, to: query.to, after });
    const read = await this.store.readRoomPage(roomId, min, max, query.limit);
    return toPage('room', read);
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

/** The next page starts strictly after the last member of this one (when more follow). */
function toPage(kind: TimelineKind, read: TimelineRead): PageJson {
  const nextCursor = read.lastMember === null ? null : encodeCursor(kind, positionOfMember(read.lastMember));
  return pageJson(read.bodies, nextCursor);
}
