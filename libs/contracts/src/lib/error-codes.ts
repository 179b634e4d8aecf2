import { z } from 'zod';

/**
 * Every error code the platform answers with, on any transport.
 * The contract (docs/protocol) names them; adding is fine, renaming is not.
 */
export const ERROR_CODES = [
  'INVALID_PAYLOAD',
  'TOO_LONG',
  'ROOM_NOT_JOINED',
  'FORBIDDEN',
  'BANNED',
  'MUTED',
  'ROOM_CLOSED',
  'RATE_LIMITED',
  'SLOW_MODE',
  'UNAVAILABLE',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'CONFLICT',
  'USERNAME_TAKEN',
  'INVALID_CREDENTIALS',
  'NO_LIVE_SESSION',
  'SESSION_ALREADY_LIVE',
  /** Added: a socket is already in `GATEWAY_MAX_ROOMS_PER_SOCKET` rooms. */
  'TOO_MANY_ROOMS',
  /** Added: a character of a danmaku carries more combining marks than allowed ("Zalgo" text). */
  'TOO_MANY_MARKS',
  /** Added: `connect_error` message when a client address holds `GATEWAY_MAX_CONNECTIONS_PER_ADDRESS` connections. */
  'TOO_MANY_CONNECTIONS',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes a moderation decision can carry in `danmaku:rejected`. */
export const REJECTION_CODES = [
  'BLOCKED_TERM',
  'MUTED',
  'BANNED',
  'SLOW_MODE',
  'DUPLICATE',
  'FLOOD',
  'ROOM_CLOSED',
  /** Added: moderation enforces the length bounds too (the room's maxLength may have shrunk since the gateway checked). */
  'TOO_LONG',
  /** Added: likewise for the combining-mark bound. */
  'TOO_MANY_MARKS',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Codes of server `notice` events. */
export const NOTICE_CODES = [
  'MUTED',
  'BANNED',
  'SESSION_REVOKED',
  'TOKEN_EXPIRED',
  /** Added: the socket kept sending invalid events (unknown names, bad payloads); it is disconnected next. */
  'TOO_MANY_INVALID_EVENTS',
] as const;
export type NoticeCode = (typeof NOTICE_CODES)[number];

const HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_PAYLOAD: 400,
  TOO_LONG: 400,
  ROOM_NOT_JOINED: 409,
  FORBIDDEN: 403,
  BANNED: 403,
  MUTED: 403,
  ROOM_CLOSED: 403,
  RATE_LIMITED: 429,
  SLOW_MODE: 429,
  UNAVAILABLE: 503,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  USERNAME_TAKEN: 409,
  INVALID_CREDENTIALS: 401,
  NO_LIVE_SESSION: 409,
  SESSION_ALREADY_LIVE: 409,
  TOO_MANY_ROOMS: 429,
  TOO_MANY_MARKS: 400,
  TOO_MANY_CONNECTIONS: 429,
  INTERNAL: 500,
};

/** The HTTP status that carries an error code (400 for codes that are not HTTP errors). */
export function httpStatusOf(code: ErrorCode | RejectionCode): number {
  return (HTTP_STATUS as Record<string, number>)[code] ?? 400;
}

/** The `error` of every HTTP error body and of every failed socket ack. */
export const contractErrorSchema = z.object({
  code: z.enum([...ERROR_CODES, ...REJECTION_CODES]).describe('What went wrong, for programs'),
  message: z.string().describe('What went wrong, for people'),
  details: z.unknown().optional().describe('The offending fields of an INVALID_PAYLOAD, and the like'),
  retryAfterMs: z.number().int().optional().describe('When a retry may succeed (RATE_LIMITED, SLOW_MODE…)'),
});
export type ErrorBody = z.infer<typeof contractErrorSchema>;
