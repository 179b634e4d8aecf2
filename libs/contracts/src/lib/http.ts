import { z } from 'zod';
import { roleSchema, roomIdSchema, userIdSchema } from './primitives';

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
export const loginBodySchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(128) });
export const guestBodySchema = z.object({ nickname: nicknameSchema.optional() }).default({});
export const refreshBodySchema = z.object({ refreshToken: z.string().min(1).max(512) });
export const setRoleBodySchema = z.object({ role: z.enum(['user', 'admin']) });

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

