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
} as const;
