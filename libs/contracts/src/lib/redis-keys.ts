import { z } from 'zod';
import { epochMsSchema } from './primitives';

/**
 * Redis keys read by more than one app. Each has exactly one writer; every other key
 * is private to its app and prefixed with it (`gw:`, `auth:`, `mod:`, `replay:`).
 * The deployment namespace is added by the Redis client's keyPrefix, not here.
 */
export const sharedRedisKeys = {
  /** JSON RoomSettings. Writer: moderation. Readers: gateway (join ack, early checks). */
  roomSettings: (roomId: string) => `room:${roomId}:settings`,
  /** JSON LiveSession of the room's current live session, absent when none. Writer: moderation. */
  roomLive: (roomId: string) => `room:${roomId}:live`,
  /** Present (value "1", TTL = the longest access-token lifetime) when an auth session is revoked. Writer: auth. */
  revokedSession: (sessionId: string) => `auth:revoked:${sessionId}`,
  /**
   * Hash userId → JSON SharedSanction `{until}`: users banned from the room (`until` null:
   * for ever). Writer: moderation. Reader: gateway (refuse joins, refuse sends early).
   * Expired entries may linger: readers compare `until` with now (sanctionInForce).
   */
  roomBans: (roomId: string) => `room:${roomId}:bans`,
  /** Hash userId → JSON SharedSanction: users banned from the whole site. Writer: moderation. Reader: gateway. */
  siteBans: () => 'site:bans',
  /** Hash userId → JSON SharedSanction (`until` always set): users muted in the room. Writer: moderation. Reader: gateway. */
  roomMutes: (roomId: string) => `room:${roomId}:mutes`,
  /**
   * Sorted set of the room's last accepted danmaku (JSON Danmaku, score = seq): the
   * catch-up buffer for joins and reconnects. Writer: moderation (in the same round trip
   * that decides, before the decision is published). Reader: gateway (room:join).
   */
  roomRecent: (roomId: string) => `room:{${roomId}}:recent`,
  /** Highest seq appended to `roomRecent`. Writer: moderation. Reader: gateway. */
  roomLastSeq: (roomId: string) => `room:{${roomId}}:last-seq`,
  /**
   * The room's stream epoch: set when its seq counter (re)starts at 1, so a counter lost
   * with Redis's data shows as a new epoch instead of seqs that silently go back. Writer:
   * moderation (with the seq). Readers: gateway (join ack).
   */
  roomEpoch: (roomId: string) => `room:{${roomId}}:epoch`,
} as const;

/** The value of a `roomBans` / `siteBans` / `roomMutes` entry. */
export const sharedSanctionSchema = z.object({ until: epochMsSchema.nullable() });
export type SharedSanction = z.infer<typeof sharedSanctionSchema>;
