import { z } from 'zod';
import { contractErrorSchema, NOTICE_CODES, REJECTION_CODES } from './error-codes';
import { danmakuSchema, roomSettingsSchema } from './danmaku';
import { danmakuTextSchema } from './danmaku-text';
import { colorSchema, danmakuModeSchema, danmakuSizeSchema, epochMsSchema, roomIdSchema } from './primitives';

/** Socket.IO room that holds the viewers of a live room, on every gateway instance. */
export function liveRoom(roomId: string): string {
  return `${LIVE_ROOM_PREFIX}${roomId}`;
}
const LIVE_ROOM_PREFIX = 'live:';

/** The roomId of a Socket.IO room made by `liveRoom`, else null. */
export function roomIdOfLiveRoom(name: string): string | null {
  return name.startsWith(LIVE_ROOM_PREFIX) ? name.slice(LIVE_ROOM_PREFIX.length) : null;
}

export const roomJoinPayloadSchema = z.object({
  roomId: roomIdSchema,
  sinceSeq: z.number().int().nonnegative().optional(),
});
export type RoomJoinPayload = z.infer<typeof roomJoinPayloadSchema>;

export const roomLeavePayloadSchema = z.object({ roomId: roomIdSchema });
export type RoomLeavePayload = z.infer<typeof roomLeavePayloadSchema>;

export const danmakuSendPayloadSchema = z.object({
  roomId: roomIdSchema,
  /**
   * NFC-normalised and trimmed, bounded in UTF-8 bytes (TOO_LONG) and in combining marks per
   * grapheme (TOO_MANY_MARKS); its length is checked against the room's `maxLength`
   * (TOO_LONG) by the gateway.
   */
  text: danmakuTextSchema,
  mode: danmakuModeSchema.optional(),
  color: colorSchema.optional(),
  size: danmakuSizeSchema.optional(),
  nonce: z.string().min(1).max(64).optional(),
});
export type DanmakuSendPayload = z.infer<typeof danmakuSendPayloadSchema>;

export const authRefreshPayloadSchema = z.object({ token: z.string().min(1).max(4096) });
export type AuthRefreshPayload = z.infer<typeof authRefreshPayloadSchema>;

// ---- acks: `{ok: true, ...data}` or `{ok: false, error}` ----

export const ackErrorSchema = z.object({ ok: z.literal(false), error: contractErrorSchema });
export type AckOk<T> = { ok: true } & T;
export type AckError = z.infer<typeof ackErrorSchema>;
export type Ack<T> = AckOk<T> | AckError;

/** The whole ack of a command whose data is `data`: success with the data, or an error. */
export function ackSchema<S extends z.ZodObject>(data: S) {
  return z.union([data.extend({ ok: z.literal(true) }), ackErrorSchema]);
}

export const roomJoinAckSchema = z.object({
  roomId: roomIdSchema,
  online: z.number().int().nonnegative().describe('Viewers in the room across all gateway instances'),
  settings: roomSettingsSchema,
  recent: z
    .array(danmakuSchema)
    .describe('The last ≤ 50 messages, or with `sinceSeq` every message after it, in seq order'),
  recovered: z.boolean().describe('True when nothing after `sinceSeq` is missing from `recent`'),
  epoch: z
    .string()
    .describe(
      "The room's stream epoch ('' while it has none). When it differs from the one a client saw, " +
        "the room's seqs restarted: drop the seq state and resync",
    ),
});
export type RoomJoinAck = z.infer<typeof roomJoinAckSchema>;
export const roomLeaveAckSchema = z.object({});
export type RoomLeaveAck = z.infer<typeof roomLeaveAckSchema>;
export const danmakuSendAckSchema = z.object({
  id: z.string().describe('The message id, answered once the message is durably queued for moderation'),
});
export type DanmakuSendAck = z.infer<typeof danmakuSendAckSchema>;
export const authRefreshAckSchema = z.object({
  expiresAt: z.number().int().describe('When the new token expires (ms)'),
});
export type AuthRefreshAck = z.infer<typeof authRefreshAckSchema>;

// ---- server → client events ----

export const danmakuBatchEventSchema = z.object({
  roomId: roomIdSchema,
  items: z.array(danmakuSchema).describe('Accepted messages in seq order'),
  epoch: z.string().optional().describe("The stream epoch of these items' seqs (see the join ack's epoch)"),
});
export type DanmakuBatchEvent = z.infer<typeof danmakuBatchEventSchema>;
export const danmakuRejectedEventSchema = z.object({
  roomId: roomIdSchema,
  id: z.string().describe('The id the send was acknowledged with'),
  nonce: z.string().optional().describe("The send's nonce, when it had one"),
  code: z.enum(REJECTION_CODES),
  reason: z.string().describe('Why, for people'),
});
export type DanmakuRejectedEvent = z.infer<typeof danmakuRejectedEventSchema>;
export const danmakuRetractEventSchema = z.object({
  roomId: roomIdSchema,
  ids: z.array(z.string()).describe('Danmaku a moderator removed; clients drop them'),
});
export type DanmakuRetractEvent = z.infer<typeof danmakuRetractEventSchema>;
export const roomOnlineEventSchema = z.object({
  roomId: roomIdSchema,
  count: z.number().int().nonnegative().describe('Viewers in the room across all gateway instances'),
});
export type RoomOnlineEvent = z.infer<typeof roomOnlineEventSchema>;
export const roomSettingsEventSchema = z.object({ roomId: roomIdSchema, settings: roomSettingsSchema });
export type RoomSettingsEvent = z.infer<typeof roomSettingsEventSchema>;
export const noticeEventSchema = z.object({
  code: z.enum(NOTICE_CODES),
  roomId: roomIdSchema.optional(),
  message: z.string(),
  until: epochMsSchema
    .optional()
    .describe('When the mute or ban ends, or the TOKEN_EXPIRED grace period (ms)'),
});
export type NoticeEvent = z.infer<typeof noticeEventSchema>;

/**
 * Every client command: its payload, its ack's data and what it does. The event map below and
 * the AsyncAPI document (`asyncApiDocument`) are derived from it.
 */
export const CLIENT_COMMANDS = {
  'room:join': {
    payload: roomJoinPayloadSchema,
    ack: roomJoinAckSchema,
    summary:
      'Join a live room: receive its danmaku, online count and settings; get its recent danmaku at once',
  },
  'room:leave': { payload: roomLeavePayloadSchema, ack: roomLeaveAckSchema, summary: 'Leave a live room' },
  'danmaku:send': {
    payload: danmakuSendPayloadSchema,
    ack: danmakuSendAckSchema,
    summary:
      'Send a danmaku to a joined room. A repeat with the same nonce within 10 minutes answers the same id ' +
      'and never creates a second message',
  },
  'auth:refresh': {
    payload: authRefreshPayloadSchema,
    ack: authRefreshAckSchema,
    summary: "Replace the socket's access token before (or, within the grace period, after) it expires",
  },
} as const;

/** Every event the server pushes, with its payload and when it comes. */
export const SERVER_EVENTS = {
  'danmaku:batch': {
    payload: danmakuBatchEventSchema,
    summary: 'Accepted danmaku of a joined room, in seq order; one event may carry many',
  },
  'danmaku:rejected': {
    payload: danmakuRejectedEventSchema,
    summary: 'Moderation refused a danmaku this socket sent (to the sender only)',
  },
  'danmaku:retract': {
    payload: danmakuRetractEventSchema,
    summary: 'A moderator removed danmaku of a joined room; clients drop them',
  },
  'room:online': {
    payload: roomOnlineEventSchema,
    summary: 'The viewer count of a joined room changed',
  },
  'room:settings': {
    payload: roomSettingsEventSchema,
    summary: 'The settings of a joined room changed',
  },
  notice: {
    payload: noticeEventSchema,
    summary:
      'Something happened to this viewer: MUTED, BANNED (then removed from the room), SESSION_REVOKED ' +
      '(then disconnected), TOKEN_EXPIRED (send auth:refresh within the grace period), ' +
      'TOO_MANY_INVALID_EVENTS (then disconnected)',
  },
} as const;

type Out<S> = S extends z.ZodType ? z.infer<S> : never;

/** Imperative commands a client sends; every one is answered through its ack callback. */
export type ClientToServerEvents = {
  [E in keyof typeof CLIENT_COMMANDS]: (
    payload: Out<(typeof CLIENT_COMMANDS)[E]['payload']>,
    ack: (res: Ack<Out<(typeof CLIENT_COMMANDS)[E]['ack']>>) => void,
  ) => void;
};

/** Past-tense facts the server pushes. */
export type ServerToClientEvents = {
  [E in keyof typeof SERVER_EVENTS]: (e: Out<(typeof SERVER_EVENTS)[E]['payload']>) => void;
};
