import { z } from 'zod';
import { REJECTION_CODES } from './error-codes';
import { danmakuSchema, liveSessionSchema, roomSettingsSchema } from './danmaku';
import { SITE_AUDIT_ROOM } from './http';
import {
  colorSchema,
  danmakuModeSchema,
  danmakuSizeSchema,
  epochMsSchema,
  roomIdSchema,
  userIdSchema,
} from './primitives';

/** Where a submission came from, so a decision can be answered to that socket only. */
export const originSchema = z.object({
  instanceId: z.string(),
  socketId: z.string(),
});

/** A viewer's message as the gateway received and queued it (topic `danmaku.submitted.v1`). */
export const danmakuSubmittedSchema = z.object({
  id: z.string(),
  roomId: roomIdSchema,
  userId: userIdSchema,
  nickname: z.string(),
  /** The auth session (`sid`) the sender's token belongs to. */
  authSessionId: z.string().optional(),
  text: z.string(),
  mode: danmakuModeSchema,
  color: colorSchema,
  size: danmakuSizeSchema,
  nonce: z.string().optional(),
  sentAt: epochMsSchema,
  origin: originSchema,
});
export type DanmakuSubmitted = z.infer<typeof danmakuSubmittedSchema>;

/** Moderation accepted it and gave it its room `seq` (topic `danmaku.accepted.v1`). */
export const danmakuAcceptedSchema = z.object({
  danmaku: danmakuSchema,
  /** The room's stream epoch the seq belongs to (absent from events older than epochs). */
  epoch: z.string().max(64).optional(),
  origin: originSchema.optional(),
  nonce: z.string().optional(),
  decidedAt: epochMsSchema,
});
export type DanmakuAccepted = z.infer<typeof danmakuAcceptedSchema>;

/** Moderation refused it (topic `danmaku.rejected.v1`); only its sender learns of it. */
export const danmakuRejectedSchema = z.object({
  id: z.string(),
  roomId: roomIdSchema,
  userId: userIdSchema,
  nonce: z.string().optional(),
  code: z.enum(REJECTION_CODES),
  reason: z.string(),
  origin: originSchema,
  decidedAt: epochMsSchema,
});
export type DanmakuRejected = z.infer<typeof danmakuRejectedSchema>;

/** Everything that changes a room, in order per room (topic `room.events.v1`). */
export const roomEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('session.started'),
    roomId: roomIdSchema,
    session: liveSessionSchema,
    at: epochMsSchema,
  }),
  z.object({
    type: z.literal('session.ended'),
    roomId: roomIdSchema,
    session: liveSessionSchema.extend({ endedAt: epochMsSchema }),
    at: epochMsSchema,
  }),
  z.object({
    type: z.literal('settings.updated'),
    roomId: roomIdSchema,
    settings: roomSettingsSchema,
    at: epochMsSchema,
  }),
  z.object({
    type: z.literal('danmaku.retracted'),
    roomId: roomIdSchema,
    ids: z.array(z.string()).min(1),
    actorId: z.string(),
    reason: z.string().nullable(),
    at: epochMsSchema,
  }),
  z.object({
    type: z.literal('user.banned'),
    roomId: roomIdSchema,
    userId: userIdSchema,
    until: epochMsSchema.nullable(),
    reason: z.string().nullable(),
    at: epochMsSchema,
  }),
  z.object({
    type: z.literal('user.muted'),
    roomId: roomIdSchema,
    userId: userIdSchema,
    until: epochMsSchema,
    reason: z.string().nullable(),
    at: epochMsSchema,
  }),
  /** A site-wide ban: the user leaves every room. `roomId` is the reserved `_site` (its key and partition). */
  z.object({
    type: z.literal('user.site-banned'),
    roomId: z.literal(SITE_AUDIT_ROOM),
    userId: userIdSchema,
    until: epochMsSchema.nullable(),
    reason: z.string().nullable(),
    at: epochMsSchema,
  }),
  /** A room ban (or, with `roomId` `_site`, a site-wide ban) was lifted. */
  z.object({
    type: z.literal('user.unbanned'),
    roomId: roomIdSchema,
    userId: userIdSchema,
    at: epochMsSchema,
  }),
  /** A room mute was lifted before it ended. */
  z.object({
    type: z.literal('user.unmuted'),
    roomId: roomIdSchema,
    userId: userIdSchema,
    at: epochMsSchema,
  }),
]);
export type RoomEvent = z.infer<typeof roomEventSchema>;

/** Auth facts other apps act on (topic `auth.sessions.v1`). */
export const authSessionEventSchema = z.object({
  type: z.literal('session.revoked'),
  sessionId: z.string(),
  userId: userIdSchema,
  at: epochMsSchema,
});
export type AuthSessionEvent = z.infer<typeof authSessionEventSchema>;
