import { z } from 'zod';
import type { ErrorBody, NoticeCode, RejectionCode } from './error-codes';
import type { Danmaku, RoomSettings } from './danmaku';
import { danmakuTextSchema } from './danmaku-text';
import { colorSchema, danmakuModeSchema, danmakuSizeSchema, roomIdSchema } from './primitives';

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
export interface AuthRefreshAck {
  /** When the new token expires (ms). */
  expiresAt: number;
}

export type AckOk<T> = { ok: true } & T;
export type AckError = { ok: false; error: ErrorBody };
export type Ack<T> = AckOk<T> | AckError;

export interface RoomJoinAck {
  roomId: string;
  online: number;
  settings: RoomSettings;
  recent: Danmaku[];
  recovered: boolean;
  /**
   * Added: the room's stream epoch ('' while the room has none yet). When it differs from
   * the one a client saw, the room's seqs restarted: drop the seq state and resync.
   */
  epoch: string;
}
export type RoomLeaveAck = Record<string, never>;
export interface DanmakuSendAck {
  id: string;
}

/** Imperative commands a client sends; every one is answered through its ack callback. */
export interface ClientToServerEvents {
  'room:join': (payload: RoomJoinPayload, ack: (res: Ack<RoomJoinAck>) => void) => void;
  'room:leave': (payload: RoomLeavePayload, ack: (res: Ack<RoomLeaveAck>) => void) => void;
  'danmaku:send': (payload: DanmakuSendPayload, ack: (res: Ack<DanmakuSendAck>) => void) => void;
  /** Added: replaces the socket's access token before (or after, within the grace period) it expires. */
  'auth:refresh': (payload: AuthRefreshPayload, ack: (res: Ack<AuthRefreshAck>) => void) => void;
}

export interface DanmakuBatchEvent {
  roomId: string;
  items: Danmaku[];
  /** Added: the stream epoch of these items' seqs (see RoomJoinAck.epoch). */
  epoch?: string;
}
export interface DanmakuRejectedEvent {
  roomId: string;
  id: string;
  nonce?: string;
  code: RejectionCode;
  reason: string;
}
export interface DanmakuRetractEvent {
  roomId: string;
  ids: string[];
}
export interface RoomOnlineEvent {
  roomId: string;
  count: number;
}
export interface RoomSettingsEvent {
  roomId: string;
  settings: RoomSettings;
}
export interface NoticeEvent {
  code: NoticeCode;
  roomId?: string;
  message: string;
  until?: number;
}

/** Past-tense facts the server pushes. */
export interface ServerToClientEvents {
  'danmaku:batch': (e: DanmakuBatchEvent) => void;
  'danmaku:rejected': (e: DanmakuRejectedEvent) => void;
  'danmaku:retract': (e: DanmakuRetractEvent) => void;
  'room:online': (e: RoomOnlineEvent) => void;
  'room:settings': (e: RoomSettingsEvent) => void;
  notice: (e: NoticeEvent) => void;
}
