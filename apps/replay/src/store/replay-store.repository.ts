import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import { REDIS } from '@danmaku/platform';
import { densityLevelFor, LUA_TIME_FORMAT, replayKeys, sessionDensityKeys } from './replay-keys';
import {
  DENSITY_EXACT_SCRIPT,
  DENSITY_SOURCE_SCRIPT,
  INGEST_SCRIPT,
  PAGE_SCRIPT,
  RETRACT_SCRIPT,
  SESSION_EVENT_SCRIPT,
  SESSION_STATE_SCRIPT,
  TOMBSTONE,
} from './replay-scripts';

/** Where a message sits in a session's indexes. */
export interface SessionIndexEntry {
  /** 1-based index into the plan's `sessionIds`. */
  index: number;
  member: string;
  densityField: string;
}

export interface IngestEntry {
  id: string;
  /** JSON Danmaku, stored as is. */
  body: string;
  roomMember: string;
  session: SessionIndexEntry | null;
}

/** One room's share of a consumed batch. */
export interface RoomIngestPlan {
  roomId: string;
  sessions: { sessionId: string; startedAt: number }[];
  entries: IngestEntry[];
}

export interface IngestOutcome {
  stored: number;
  duplicates: number;
  /** Ignored because the id was retracted before (a tombstone). */
  retracted: number;
  /** Ignored because retention already purged its session (or, session-less, its age). */
  expired: number;
}

export interface RetractEntry {
  id: string;
  /** Its indexes, when the caller found its body; null when it is not stored (yet). */
  indexed: { roomMember: string; session: SessionIndexEntry | null } | null;
}

export interface RoomRetractPlan {
  roomId: string;
  sessionIds: string[];
  entries: RetractEntry[];
}

/** A session's state: whether it exists, its end, and the version of its stored danmaku. */
export interface SessionState {
  /** false: the room has no such session. */
  found: boolean;
  endedAt: number | null;
  /** Changes whenever the session's stored danmaku change; null before its first danmaku. */
  version: string | null;
}

export interface TimelineRead extends SessionState {
  /**
   * The page's stored bodies (UTF-8 JSON of a Danmaku each), in timeline order, as raw bytes:
   * they go to the wire as they are, never decoded into strings and encoded back.
   */
  bodies: Buffer[];
  /** The page's last member when more follow (where the next page starts); null on the last page. */
  lastMember: string | null;
}

export interface DensitySource extends SessionState {
  /** The session's last timeline member ('' when empty). */
  lastMember: string;
  /** Per-bucket counts from the per-second counters, when asked for and within the limit; else []. */
  buckets: number[];
}

export interface SessionRecord {
  sessionId: string;
  startedAt: number;
  endedAt: number | null;
  count: number;
}

type ScriptReply = (string | number | null | ScriptReply)[];
type BufferReply = (Buffer | number | null)[];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    replayIngest(
      numKeys: number,
      ...args: (string | number)[]
    ): Result<[number, number, number, number], Context>;
    replayRetract(numKeys: number, ...args: (string | number)[]): Result<[number, string[]], Context>;
    /** ioredis defines a `…Buffer` twin of every defineCommand: bulk replies come back as Buffers. */
    replayPageBuffer(numKeys: number, ...args: (string | number)[]): Result<BufferReply, Context>;
    replaySessionState(numKeys: number, ...args: (string | number)[]): Result<ScriptReply, Context>;
    replaySessionEvent(numKeys: number, ...args: (string | number)[]): Result<number, Context>;
    replayDensitySource(numKeys: number, ...args: (string | number)[]): Result<ScriptReply, Context>;
    replayDensityExact(numKeys: number, ...args: (string | number)[]): Result<number[], Context>;
  }
}

/** The only place that talks to Redis for replay: atomic scripts per room, pipelined per batch. */
@Injectable()
export class ReplayStoreRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {
    // defineCommand runs EVALSHA and falls back to EVAL on NOSCRIPT (also inside pipelines).
    redis.defineCommand('replayIngest', { lua: INGEST_SCRIPT });
    redis.defineCommand('replayRetract', { lua: RETRACT_SCRIPT });
    redis.defineCommand('replayPage', { lua: PAGE_SCRIPT });
    redis.defineCommand('replaySessionState', { lua: SESSION_STATE_SCRIPT });
    redis.defineCommand('replaySessionEvent', { lua: SESSION_EVENT_SCRIPT });
    redis.defineCommand('replayDensitySource', { lua: DENSITY_SOURCE_SCRIPT });
    redis.defineCommand('replayDensityExact', { lua: DENSITY_EXACT_SCRIPT });
  }

  /**
   * One script call per plan, each sent as soon as its plan is encoded (Redis works on one
   * while the next is built); rejects if any failed, so the whole batch is retried.
   */
  async ingest(plans: Iterable<RoomIngestPlan>): Promise<IngestOutcome> {
    const calls: Promise<[number, number, number, number]>[] = [];
    for (const plan of plans) {
      const keys = [
        replayKeys.messages(plan.roomId),
        replayKeys.roomTimeline(plan.roomId),
        replayKeys.sessionStarts(plan.roomId),
        replayKeys.sessionVersions(plan.roomId),
        replayKeys.sessionsPurged(plan.roomId),
      ];
      for (const s of plan.sessions) {
        keys.push(
          replayKeys.sessionTimeline(plan.roomId, s.sessionId),
          ...sessionDensityKeys(plan.roomId, s.sessionId),
        );
      }
      const args: (string | number)[] = [plan.sessions.length];
      for (const s of plan.sessions) args.push(s.sessionId);
      for (const s of plan.sessions) args.push(s.startedAt);
      for (const e of plan.entries) {
        args.push(
          e.id,
          e.body,
          e.roomMember,
          e.session?.index ?? 0,
          e.session?.member ?? '',
          e.session?.densityField ?? '',
        );
      }
      calls.push(this.redis.replayIngest(keys.length, ...keys, ...args));
    }
    const outcome: IngestOutcome = { stored: 0, duplicates: 0, retracted: 0, expired: 0 };
    for (const [stored, duplicates, retracted, expired] of await Promise.all(calls)) {
      outcome.stored += stored;
      outcome.duplicates += duplicates;
      outcome.retracted += retracted;
      outcome.expired += expired;
    }
    return outcome;
  }

  /** The stored bodies of `ids` in a room (null where absent or retracted). */
  async readBodies(roomId: string, ids: string[]): Promise<(string | null)[]> {
    if (ids.length === 0) return [];
    const bodies = await this.redis.hmget(replayKeys.messages(roomId), ...ids);
    return bodies.map((b) => (b === TOMBSTONE ? null : b));
  }

  /** Unindexes and tombstones; returns how many were removed and the ids stored meanwhile (to redo). */
  async retract(plan: RoomRetractPlan): Promise<{ removed: number; missed: string[] }> {
    const keys = [
      replayKeys.messages(plan.roomId),
      replayKeys.roomTimeline(plan.roomId),
      replayKeys.sessionVersions(plan.roomId),
    ];
    for (const sessionId of plan.sessionIds) {
      keys.push(
        replayKeys.sessionTimeline(plan.roomId, sessionId),
        ...sessionDensityKeys(plan.roomId, sessionId),
      );
    }
    const args: (string | number)[] = [plan.sessionIds.length, ...plan.sessionIds];
    for (const e of plan.entries) {
      const s = e.indexed?.session;
      args.push(
        e.id,
        e.indexed ? '1' : '0',
        e.indexed?.roomMember ?? '',
        s?.index ?? 0,
        s?.member ?? '',
        s?.densityField ?? '',
      );
    }
    const [removed, missed] = await this.redis.replayRetract(keys.length, ...keys, ...args);
    return { removed, missed };
  }

  /** Authoritative: overwrites a start inferred from danmaku; never touches endedAt. False if purged. */
  async recordSessionStarted(roomId: string, sessionId: string, startedAt: number): Promise<boolean> {
    const recorded = await this.redis.replaySessionEvent(
      3,
      replayKeys.sessionStarts(roomId),
      replayKeys.sessionEnds(roomId),
      replayKeys.sessionsPurged(roomId),
      sessionId,
      startedAt,
    );
    return recorded === 1;
  }

  /** False if retention purged the session already. */
  async recordSessionEnded(
    roomId: string,
    sessionId: string,
    startedAt: number,
    endedAt: number,
  ): Promise<boolean> {
    const recorded = await this.redis.replaySessionEvent(
      3,
      replayKeys.sessionStarts(roomId),
      replayKeys.sessionEnds(roomId),
      replayKeys.sessionsPurged(roomId),
      sessionId,
      startedAt,
      endedAt,
    );
    return recorded === 1;
  }

  /** Every session of a room with its live message count (ZCARD, O(1) each). */
  async listSessions(roomId: string): Promise<SessionRecord[]> {
    const [starts, ends] = await Promise.all([
      this.redis.hgetall(replayKeys.sessionStarts(roomId)),
      this.redis.hgetall(replayKeys.sessionEnds(roomId)),
    ]);
    const ids = Object.keys(starts);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.zcard(replayKeys.sessionTimeline(roomId, id));
    const counts = (await pipeline.exec()) ?? [];
    return ids.map((sessionId, i) => {
      const [error, count] = counts[i] ?? [new Error('missing reply'), 0];
      if (error) throw error;
      return {
        sessionId,
        startedAt: Number(starts[sessionId]),
        endedAt: ends[sessionId] === undefined ? null : Number(ends[sessionId]),
        count: Number(count),
      };
    });
  }

  /** Up to `limit` danmaku of a session's timeline within ZRANGEBYLEX bounds `min`..`max`. */
  async readSessionPage(
    roomId: string,
    sessionId: string,
    min: string,
    max: string,
    limit: number,
  ): Promise<TimelineRead> {
    const reply = await this.redis.replayPageBuffer(
      5,
      replayKeys.sessionTimeline(roomId, sessionId),
      replayKeys.messages(roomId),
      replayKeys.sessionStarts(roomId),
      replayKeys.sessionEnds(roomId),
      replayKeys.sessionVersions(roomId),
      min,
      max,
      limit,
      sessionId,
    );
    return toTimelineRead(reply);
  }

  /** Existence, end and version of a session in one round trip, without reading its danmaku. */
  async readSessionState(roomId: string, sessionId: string): Promise<SessionState> {
    const reply = await this.redis.replaySessionState(
      3,
      replayKeys.sessionStarts(roomId),
      replayKeys.sessionEnds(roomId),
      replayKeys.sessionVersions(roomId),
      sessionId,
    );
    return toSessionState(reply);
  }

  /** Up to `limit` danmaku of a room's wall-clock timeline within `min`..`max`. */
  async readRoomPage(roomId: string, min: string, max: string, limit: number): Promise<TimelineRead> {
    const reply = await this.redis.replayPageBuffer(
      2,
      replayKeys.roomTimeline(roomId),
      replayKeys.messages(roomId),
      min,
      max,
      limit,
    );
    return toTimelineRead(reply);
  }

  /**
   * Existence, end, version and last member of a session; with `counters` (a whole-second
   * width), also its histogram summed in Redis from the coarsest counter level dividing the
   * width, when it has at most `maxBuckets` buckets.
   */
  async readDensitySource(
    roomId: string,
    sessionId: string,
    counters: { bucketMs: number; maxBuckets: number } | null,
  ): Promise<DensitySource> {
    const level = counters === null ? null : densityLevelFor(counters.bucketMs);
    const reply = await this.redis.replayDensitySource(
      5,
      replayKeys.sessionStarts(roomId),
      replayKeys.sessionEnds(roomId),
      replayKeys.sessionTimeline(roomId, sessionId),
      replayKeys.sessionDensity(roomId, sessionId, level ?? 1),
      replayKeys.sessionVersions(roomId),
      sessionId,
      counters !== null && level !== null ? counters.bucketMs : '',
      counters?.maxBuckets ?? 0,
      level ?? 1,
    );
    return {
      ...toSessionState(reply),
      lastMember: String(reply[3] ?? ''),
      buckets: reply.slice(4).map(Number),
    };
  }

  /** Exact counts of `buckets` windows of `bucketMs` from offset 0 (ZLEXCOUNT per bucket). */
  async countBuckets(
    roomId: string,
    sessionId: string,
    bucketMs: number,
    buckets: number,
  ): Promise<number[]> {
    if (buckets === 0) return [];
    return this.redis.replayDensityExact(
      1,
      replayKeys.sessionTimeline(roomId, sessionId),
      bucketMs,
      buckets,
      LUA_TIME_FORMAT,
    );
  }
}

function optionalNumber(v: unknown): number | null {
  return v === null || v === undefined || v === '' ? null : Number(v);
}

function optionalString(v: unknown): string | null {
  return v === null || v === undefined || v === '' ? null : String(v);
}

/** The `{state, endedAt, version, …}` head every session read script answers with. */
function toSessionState(reply: ScriptReply): SessionState {
  return {
    found: Number(reply[0]) === 1,
    endedAt: optionalNumber(reply[1]),
    version: optionalString(reply[2]),
  };
}

function toTimelineRead(reply: BufferReply): TimelineRead {
  const head = reply.slice(0, 4).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
  const bodies: Buffer[] = [];
  for (const body of reply.slice(4)) if (Buffer.isBuffer(body)) bodies.push(body);
  return { ...toSessionState(head), lastMember: optionalString(head[3]), bodies };
}
