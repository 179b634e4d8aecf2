import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import { REDIS } from '@danmaku/platform';
import { LUA_TIME_FORMAT, replayKeys } from './replay-keys';
import {
  DENSITY_EXACT_SCRIPT,
  DENSITY_SOURCE_SCRIPT,
  INGEST_SCRIPT,
  PAGE_SCRIPT,
  RETRACT_SCRIPT,
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

export interface TimelineRead {
  /** false: the session named by the read does not exist. */
  found: boolean;
  endedAt: number | null;
  rows: { member: string; body: string }[];
}

export interface DensitySource {
  found: boolean;
  endedAt: number | null;
  /** The session's last timeline member ('' when empty). */
  lastMember: string;
  /** Per-second counters (field → count), when asked for. */
  counters: Map<number, number>;
}

export interface SessionRecord {
  sessionId: string;
  startedAt: number;
  endedAt: number | null;
  count: number;
}

type ScriptReply = (string | number | null | ScriptReply)[];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    replayIngest(numKeys: number, ...args: (string | number)[]): Result<[number, number, number], Context>;
    replayRetract(numKeys: number, ...args: (string | number)[]): Result<[number, string[]], Context>;
    replayPage(numKeys: number, ...args: (string | number)[]): Result<ScriptReply, Context>;
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
    redis.defineCommand('replayDensitySource', { lua: DENSITY_SOURCE_SCRIPT });
    redis.defineCommand('replayDensityExact', { lua: DENSITY_EXACT_SCRIPT });
  }

  /**
   * One script call per plan, each sent as soon as its plan is encoded (Redis works on one
   * while the next is built); rejects if any failed, so the whole batch is retried.
   */
  async ingest(plans: Iterable<RoomIngestPlan>): Promise<IngestOutcome> {
    const calls: Promise<[number, number, number]>[] = [];
    for (const plan of plans) {
      const keys = [
        replayKeys.messages(plan.roomId),
        replayKeys.roomTimeline(plan.roomId),
        replayKeys.sessionStarts(plan.roomId),
      ];
      for (const s of plan.sessions) {
        keys.push(
          replayKeys.sessionTimeline(plan.roomId, s.sessionId),
          replayKeys.sessionDensity(plan.roomId, s.sessionId),
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
    const outcome: IngestOutcome = { stored: 0, duplicates: 0, retracted: 0 };
    for (const [stored, duplicates, retracted] of await Promise.all(calls)) {
      outcome.stored += stored;
      outcome.duplicates += duplicates;
      outcome.retracted += retracted;
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
    const keys = [replayKeys.messages(plan.roomId), replayKeys.roomTimeline(plan.roomId)];
    for (const sessionId of plan.sessionIds) {
      keys.push(
        replayKeys.sessionTimeline(plan.roomId, sessionId),
        replayKeys.sessionDensity(plan.roomId, sessionId),
      );
    }
    const args: (string | number)[] = [];
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

  async recordSessionStarted(roomId: string, sessionId: string, startedAt: number): Promise<void> {
    // Authoritative: overwrites a start inferred from danmaku; never touches endedAt.
    await this.redis.hset(replayKeys.sessionStarts(roomId), sessionId, startedAt);
  }

  async recordSessionEnded(
    roomId: string,
    sessionId: string,
    startedAt: number,
    endedAt: number,
  ): Promise<void> {
    await this.redis
      .multi()
      .hset(replayKeys.sessionStarts(roomId), sessionId, startedAt)
      .hset(replayKeys.sessionEnds(roomId), sessionId, endedAt)
      .exec();
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

  async readSessionPage(
    roomId: string,
    sessionId: string,
    min: string,
    max: string,
    count: number,
  ): Promise<TimelineRead> {
    const reply = await this.redis.replayPage(
      4,
      replayKeys.sessionTimeline(roomId, sessionId),
      replayKeys.messages(roomId),
      replayKeys.sessionStarts(roomId),
      replayKeys.sessionEnds(roomId),
      min,
      max,
      count,
      sessionId,
    );
    return toTimelineRead(reply);
  }

  async readRoomPage(roomId: string, min: string, max: string, count: number): Promise<TimelineRead> {
    const reply = await this.redis.replayPage(
      2,
      replayKeys.roomTimeline(roomId),
      replayKeys.messages(roomId),
      min,
      max,
      count,
    );
    return toTimelineRead(reply);
  }

  async readDensitySource(roomId: string, sessionId: string, withCounters: boolean): Promise<DensitySource> {
    const reply = await this.redis.replayDensitySource(
      4,
      replayKeys.sessionStarts(roomId),
      replayKeys.sessionEnds(roomId),
      replayKeys.sessionTimeline(roomId, sessionId),
      replayKeys.sessionDensity(roomId, sessionId),
      sessionId,
      withCounters ? 'counters' : '',
    );
    const counters = new Map<number, number>();
    for (let i = 3; i + 1 < reply.length; i += 2) counters.set(Number(reply[i]), Number(reply[i + 1]));
    return {
      found: Number(reply[0]) === 1,
      endedAt: optionalNumber(reply[1]),
      lastMember: String(reply[2] ?? ''),
      counters,
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

function toTimelineRead(reply: ScriptReply): TimelineRead {
  const rows: TimelineRead['rows'] = [];
  for (let i = 2; i + 1 < reply.length; i += 2)
    rows.push({ member: String(reply[i]), body: String(reply[i + 1]) });
  return { found: Number(reply[0]) === 1, endedAt: optionalNumber(reply[1]), rows };
}
