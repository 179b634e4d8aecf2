import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS, redisPersistence, type RedisPersistence } from '@danmaku/platform';
import {
  idOfMember,
  lexRange,
  PURGE_PENDING,
  replayGlobalKeys,
  replayKeys,
  roomOfKey,
  sessionDensityKeys,
} from './replay-keys';
import { TOMBSTONE } from './replay-scripts';

/** A timeline member with its body (null when the body is gone or tombstoned). */
export interface StoredRow {
  member: string;
  id: string;
  body: string | null;
}

/** What to delete of one chunk of a purge or prune (all of one room). */
export interface DeleteChunk {
  /** Message bodies to drop from the msg hash. */
  ids: string[];
  /** Members to drop from the room's wall-clock timeline. */
  roomMembers: string[];
  /** Members to drop from the session's timeline (with `sessionId`). */
  sessionMembers: string[];
}

const WIPE_ATTEMPTS = 10;

/**
 * Redis access of the store's maintenance: retention (finding rooms, purging expired sessions,
 * pruning old room history) and the rebuild (wiping a room). Kept apart from the hot ingest and
 * read paths of ReplayStoreRepository; the same key layout (replay-keys.ts).
 */
@Injectable()
export class ReplayMaintenanceRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /**
   * Every room with anything stored, a page at a time. SCAN walks the whole keyspace (cheap
   * per call, O(all keys) per full pass), so it is meant for an hourly sweep, not a request.
   */
  async *scanRooms(): AsyncGenerator<string[]> {
    // keyPrefix is not applied to SCAN patterns nor stripped from the keys it returns.
    const prefix = this.redis.options.keyPrefix ?? '';
    const seen = new Set<string>();
    const stream = this.redis.scanStream({ match: `${prefix}replay:{*`, count: 1000 });
    for await (const batch of stream) {
      const rooms: string[] = [];
      for (const key of batch as string[]) {
        const room = roomOfKey(key.slice(prefix.length));
        if (room !== null && !seen.has(room)) {
          seen.add(room);
          rooms.push(room);
        }
      }
      if (rooms.length > 0) yield rooms;
    }
  }

  /**
   * Whether Redis writes its data to disk (AOF or RDB snapshots), from INFO persistence;
   * null when INFO is not allowed (some managed services).
   */
  async persistence(): Promise<RedisPersistence | null> {
    return redisPersistence(this.redis);
  }

  /** True when this caller may run the sweep of this interval (one instance per interval). */
  async acquireSweepLock(owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(replayGlobalKeys.retentionLock, owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Ended sessions of a room with their end. */
  async endedSessions(roomId: string): Promise<{ sessionId: string; endedAt: number }[]> {
    const ends = await this.redis.hgetall(replayKeys.sessionEnds(roomId));
    return Object.entries(ends).map(([sessionId, endedAt]) => ({ sessionId, endedAt: Number(endedAt) }));
  }

  /** Sessions whose purge began but did not finish (a sweep stopped half-way). */
  async pendingPurges(roomId: string): Promise<string[]> {
    const purged = await this.redis.hgetall(replayKeys.sessionsPurged(roomId));
    return Object.keys(purged).filter((id) => purged[id] === PURGE_PENDING);
  }

  /**
   * First step of a purge: the session disappears from the API at once, and from now on its
   * danmaku and events are ignored if they come again, so the chunked deletion cannot race
   * new writes.
   */
  async beginPurge(roomId: string, sessionId: string): Promise<void> {
    await this.redis
      .multi()
      .hset(replayKeys.sessionsPurged(roomId), sessionId, PURGE_PENDING)
      .hdel(replayKeys.sessionStarts(roomId), sessionId)
      .hdel(replayKeys.sessionEnds(roomId), sessionId)
      .hdel(replayKeys.sessionVersions(roomId), sessionId)
      .exec();
  }

  /** The first `count` members of a session's timeline with their bodies. */
  async readSessionHead(roomId: string, sessionId: string, count: number): Promise<StoredRow[]> {
    const members = await this.redis.zrange(replayKeys.sessionTimeline(roomId, sessionId), 0, count - 1);
    return this.withBodies(roomId, members);
  }

  /** The first `count` members of the room's timeline with `sentAt < before`, with their bodies. */
  async readRoomHistoryBefore(roomId: string, before: number, count: number): Promise<StoredRow[]> {
    const { min, max } = lexRange({ to: before });
    const members = await this.redis.zrangebylex(
      replayKeys.roomTimeline(roomId),
      min,
      max,
      'LIMIT',
      0,
      count,
    );
    return this.withBodies(roomId, members);
  }

  /** Deletes one chunk atomically (MULTI): bodies, room members, session members. */
  async deleteChunk(roomId: string, sessionId: string | null, chunk: DeleteChunk): Promise<void> {
    const tx = this.redis.multi();
    if (chunk.ids.length > 0) tx.hdel(replayKeys.messages(roomId), ...chunk.ids);
    if (chunk.roomMembers.length > 0) tx.zrem(replayKeys.roomTimeline(roomId), ...chunk.roomMembers);
    if (sessionId !== null && chunk.sessionMembers.length > 0)
      tx.zrem(replayKeys.sessionTimeline(roomId, sessionId), ...chunk.sessionMembers);
    await tx.exec();
  }

  /** Last step of a purge: the session's own keys go, the purge is recorded as done. */
  async finishPurge(roomId: string, sessionId: string, purgedAt: number): Promise<void> {
    await this.redis
      .multi()
      .unlink(replayKeys.sessionTimeline(roomId, sessionId), ...sessionDensityKeys(roomId, sessionId))
      .hset(replayKeys.sessionsPurged(roomId), sessionId, purgedAt)
      .exec();
  }

  /**
   * Deletes every key of a room but its purge records (so a rebuild does not bring expired
   * sessions back), atomically: WATCH on the session lists makes a session created meanwhile
   * retry the wipe instead of leaving its keys behind. Returns how many keys existed.
   */
  async wipeRoom(roomId: string): Promise<number> {
    // WATCH is per connection: a dedicated one keeps other commands out of the transaction.
    const conn = this.redis.duplicate();
    try {
      for (let attempt = 1; attempt <= WIPE_ATTEMPTS; attempt++) {
        await conn.watch(replayKeys.sessionStarts(roomId), replayKeys.sessionsPurged(roomId));
        const [started, purged] = await Promise.all([
          conn.hkeys(replayKeys.sessionStarts(roomId)),
          conn.hkeys(replayKeys.sessionsPurged(roomId)),
        ]);
        const keys = [
          replayKeys.messages(roomId),
          replayKeys.roomTimeline(roomId),
          replayKeys.sessionStarts(roomId),
          replayKeys.sessionEnds(roomId),
          replayKeys.sessionVersions(roomId),
        ];
        // Purged sessions too: a purge stopped half-way may have left its timeline.
        for (const sessionId of new Set([...started, ...purged])) {
          keys.push(replayKeys.sessionTimeline(roomId, sessionId), ...sessionDensityKeys(roomId, sessionId));
        }
        // UNLINK: a big room's hash is freed in the background instead of blocking Redis.
        const result = await conn
          .multi()
          .unlink(...keys)
          .exec();
        if (result !== null) {
          const [error, count] = result[0] ?? [null, 0];
          if (error) throw error;
          return Number(count);
        }
      }
      throw new Error(`room ${roomId} kept changing during ${WIPE_ATTEMPTS} wipe attempts`);
    } finally {
      conn.disconnect();
    }
  }

  private async withBodies(roomId: string, members: string[]): Promise<StoredRow[]> {
    if (members.length === 0) return [];
    const ids = members.map(idOfMember);
    const bodies = await this.redis.hmget(replayKeys.messages(roomId), ...ids);
    return members.map((member, i) => {
      const body = bodies[i] ?? null;
      return { member, id: ids[i], body: body === TOMBSTONE ? null : body };
    });
  }
}
