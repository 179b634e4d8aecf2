import { z } from 'zod';
import { epochMsSchema, roleSchema, roomIdSchema, userIdSchema } from './primitives';
import { liveSessionSchema, roomSettingsSchema, type LiveSession, type RoomSettings } from './danmaku';
import { contractErrorSchema } from './error-codes';

// ---- auth ----
export const usernameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_]{3,32}$/, 'username must match ^[A-Za-z0-9_]{3,32}$');
export const passwordSchema = z.string().min(8).max(128);
export const nicknameSchema = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string().min(1).max(32));

export const registerBodySchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  nickname: nicknameSchema.optional(),
});
export const loginBodySchema = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(128),
});
export const guestBodySchema = z.object({ nickname: nicknameSchema.optional() }).default({});
export const refreshBodySchema = z.object({ refreshToken: z.string().min(1).max(512) });
export const setRoleBodySchema = z.object({ role: z.enum(['user', 'admin']) });

/** `POST /v1/auth/register` → 201. */
export const registeredUserSchema = z.object({
  userId: userIdSchema,
  username: z.string(),
  nickname: z.string(),
});
export type RegisteredUser = z.infer<typeof registeredUserSchema>;
/** `POST /v1/auth/login` and `POST /v1/auth/refresh` → 200; `expiresIn` is the access token's lifetime in seconds. */
export const tokenPairSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int().positive(),
});
export type TokenPair = z.infer<typeof tokenPairSchema>;
/** `POST /v1/auth/guest` → 200 (no refresh token: a guest asks for a new one). */
export const guestTokenSchema = z.object({ accessToken: z.string(), expiresIn: z.number().int().positive() });
export type GuestToken = z.infer<typeof guestTokenSchema>;
/** `GET /v1/auth/me`; `username` is null for a guest, which has no account. */
export const meResponseSchema = z.object({
  userId: userIdSchema,
  username: z.string().nullable(),
  nickname: z.string(),
  role: roleSchema,
});
export type MeResponse = z.infer<typeof meResponseSchema>;
/** An account as `PUT /v1/users/:userId/role` answers it. */
export const userAccountSchema = z.object({
  userId: userIdSchema,
  username: z.string(),
  nickname: z.string(),
  role: setRoleBodySchema.shape.role,
});
export type UserAccount = z.infer<typeof userAccountSchema>;

/** Claims of an access token (JWT). */
export const accessTokenClaimsSchema = z.object({
  sub: userIdSchema,
  name: z.string(),
  role: roleSchema,
  sid: z.string(),
  iat: z.number(),
  exp: z.number(),
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
});
export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

/** Who is calling, as every app sees it once the token is verified. */
export interface Principal {
  userId: string;
  nickname: string;
  role: z.infer<typeof roleSchema>;
  sessionId: string;
  expiresAt: number;
}

// ---- moderation ----
export const roomParamsSchema = z.object({ roomId: roomIdSchema });
export const blockedTermBodySchema = z.object({
  term: z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1).max(100)),
});
/**
 * The pseudo-room whose audit log holds site-wide actions (site terms, site bans):
 * `GET /v1/rooms/_site/audit-log`, admins only. Room routes refuse it as a room id.
 */
export const SITE_AUDIT_ROOM = '_site';
/** `:roomId` of every room route but the audit log: a room id that is not the reserved `_site`. */
export const moderatedRoomParamsSchema = z.object({
  roomId: roomIdSchema.refine((r) => r !== SITE_AUDIT_ROOM, `roomId "${SITE_AUDIT_ROOM}" is reserved`),
});
export const roomUserParamsSchema = moderatedRoomParamsSchema.extend({ userId: userIdSchema });
export const userParamsSchema = z.object({ userId: userIdSchema });
export const termIdSchema = z.string().min(1).max(64);
export const roomTermParamsSchema = moderatedRoomParamsSchema.extend({ termId: termIdSchema });
export const termParamsSchema = z.object({ termId: termIdSchema });
export const roomDanmakuParamsSchema = moderatedRoomParamsSchema.extend({ id: z.string().min(1).max(128) });

const reasonSchema = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string().max(500));
/** Longest timed ban or mute: one year. */
export const MAX_SANCTION_SEC = 365 * 24 * 3600;

/** `POST /v1/rooms/:roomId/bans`, `POST /v1/bans`: no `durationSec` means permanent. */
export const banBodySchema = z.object({
  userId: userIdSchema,
  reason: reasonSchema.optional(),
  durationSec: z.number().int().min(1).max(MAX_SANCTION_SEC).optional(),
});
export type BanBody = z.infer<typeof banBodySchema>;
/** `POST /v1/rooms/:roomId/mutes`: a mute always ends. */
export const muteBodySchema = z.object({
  userId: userIdSchema,
  durationSec: z.number().int().min(1).max(MAX_SANCTION_SEC),
  reason: reasonSchema.optional(),
});
export type MuteBody = z.infer<typeof muteBodySchema>;
/** `DELETE /v1/rooms/:roomId/danmaku/:id` (the body is optional). */
export const retractBodySchema = z.object({ reason: reasonSchema.optional() }).default({});

export const auditLogQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque; from a previous page's `nextCursor`. */
  cursor: z
    .string()
    .regex(/^[0-9]{1,15}$/, 'cursor must come from nextCursor')
    .optional(),
});

export interface RoomView {
  roomId: string;
  settings: RoomSettings;
  moderators: string[];
  live: LiveSession | null;
}
export interface EndedSessionView extends LiveSession {
  endedAt: number;
}
export interface BlockedTermView {
  termId: string;
  term: string;
  createdAt: number;
  createdBy: string;
}
/** A ban (`until` null: permanent) or a mute; `roomId` null for a site-wide ban. */
export interface SanctionView {
  userId: string;
  roomId: string | null;
  until: number | null;
  reason: string | null;
  createdAt: number;
  createdBy: string;
}
export interface AuditEntry {
  id: string;
  at: number;
  actorId: string;
  /** e.g. `settings.update`, `term.add`, `ban.add`, `danmaku.retract` (docs/protocol/moderation.md). */
  action: string;
  /** What it acted on: a userId, termId, sessionId, danmaku id or the roomId. */
  target: string;
  reason: string | null;
  details: Record<string, unknown> | null;
}

// Response bodies of the moderation API as schemas, for its OpenAPI document (the
// interfaces above stay the types services use; the moderation app checks they agree).
export const roomViewSchema = z.object({
  roomId: roomIdSchema,
  settings: roomSettingsSchema,
  moderators: z.array(userIdSchema),
  live: liveSessionSchema.nullable(),
});
export const endedSessionViewSchema = liveSessionSchema.extend({ endedAt: epochMsSchema });
export const blockedTermViewSchema = z.object({
  termId: z.string(),
  term: z.string(),
  createdAt: epochMsSchema,
  createdBy: userIdSchema,
});
/** `POST …/blocked-terms` → 201. */
export const createdTermSchema = blockedTermViewSchema.pick({ termId: true, term: true });
export const sanctionViewSchema = z.object({
  userId: userIdSchema,
  roomId: roomIdSchema.nullable(),
  until: epochMsSchema.nullable(),
  reason: z.string().nullable(),
  createdAt: epochMsSchema,
  createdBy: userIdSchema,
});
export const auditEntrySchema = z.object({
  id: z.string(),
  at: epochMsSchema,
  actorId: userIdSchema,
  action: z.string(),
  target: z.string(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export const auditPageSchema = z.object({
  items: z.array(auditEntrySchema),
  nextCursor: z.string().nullable(),
});
/** Every HTTP error: `{error: {code, message, details?}}`. */
export const errorBodySchema = z.object({ error: contractErrorSchema });

// ---- replay ----
const intFromQuery = (min: number, max?: number) =>
  z.coerce
    .number()
    .int()
    .min(min)
    .max(max ?? Number.MAX_SAFE_INTEGER);

export const sessionDanmakuQuerySchema = z.object({
  fromMs: intFromQuery(0).optional(),
  toMs: intFromQuery(0).optional(),
  limit: intFromQuery(1, 1000).default(100),
  cursor: z.string().max(200).optional(),
});
export const roomDanmakuQuerySchema = z.object({
  from: intFromQuery(0).optional(),
  to: intFromQuery(0).optional(),
  limit: intFromQuery(1, 1000).default(100),
  cursor: z.string().max(200).optional(),
});

/** `:roomId/sessions/:sessionId` route params; `sessionId` is opaque, bounded so keys stay small. */
export const replaySessionParamsSchema = roomParamsSchema.extend({ sessionId: z.string().min(1).max(256) });

/** `density?bucketMs`: bucket width in ms (100 ms .. 1 h, default 10 s). */
export const sessionDensityQuerySchema = z.object({
  bucketMs: intFromQuery(100, 3_600_000).default(10_000),
});

/** `GET …/sessions/:sessionId/density`: `buckets[i]` counts messages with `i*bucketMs <= offsetMs < (i+1)*bucketMs`. */
export interface SessionDensity {
  bucketMs: number;
  buckets: number[];
}

export interface ReplaySessionSummary {
  sessionId: string;
  startedAt: number;
  endedAt: number | null;
  count: number;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
