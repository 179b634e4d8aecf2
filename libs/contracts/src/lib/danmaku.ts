import { z } from 'zod';
import {
  colorSchema,
  danmakuModeSchema,
  danmakuSizeSchema,
  epochMsSchema,
  roomIdSchema,
  userIdSchema,
} from './primitives';

export const danmakuSchema = z.object({
  /** Server-assigned UUIDv7: unique and sorts in creation order. */
  id: z.string().min(1),
  roomId: roomIdSchema,
  /** Per room 1, 2, 3… in broadcast order, without gaps among accepted messages. */
  seq: z.number().int().positive(),
  userId: userIdSchema,
  nickname: z.string(),
  text: z.string(),
  mode: danmakuModeSchema,
  color: z.string(),
  size: danmakuSizeSchema,
  sentAt: epochMsSchema,
  sessionId: z.string().nullable(),
  offsetMs: z.number().int().nullable(),
});
export type Danmaku = z.infer<typeof danmakuSchema>;

export const DANMAKU_DEFAULTS = { mode: 'scroll', color: '#ffffff', size: 'medium' } as const;

export const roomSettingsSchema = z.object({
  slowModeSec: z.number().int().min(0).max(3600),
  maxLength: z.number().int().min(1).max(500),
  closed: z.boolean(),
  uniqueChat: z.boolean(),
});
export type RoomSettings = z.infer<typeof roomSettingsSchema>;
export const DEFAULT_ROOM_SETTINGS: RoomSettings = Object.freeze({
  slowModeSec: 0,
  maxLength: 100,
  closed: false,
  uniqueChat: false,
});
export const roomSettingsPatchSchema = roomSettingsSchema
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'at least one setting is required');
export type RoomSettingsPatch = z.infer<typeof roomSettingsPatchSchema>;

export const liveSessionSchema = z.object({
  sessionId: z.string(),
  startedAt: epochMsSchema,
});
export type LiveSession = z.infer<typeof liveSessionSchema>;
