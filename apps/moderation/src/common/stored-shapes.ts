import { z } from 'zod';
import { epochMsSchema, liveSessionSchema, roomSettingsSchema } from '@danmaku/contracts';

/** zod forms of what this app keeps in Redis (their TypeScript types are the contract views). */
export const storedSettingsSchema = roomSettingsSchema;
export const storedLiveSchema = liveSessionSchema;
export const storedEndedSessionSchema = liveSessionSchema.extend({ endedAt: epochMsSchema });
export const storedTermSchema = z.object({
  termId: z.string(),
  term: z.string(),
  createdAt: epochMsSchema,
  createdBy: z.string(),
  /** The matcher's canonical form, the key of the duplicate index. */
  canonical: z.string().optional(),
});
export const storedSanctionSchema = z.object({
  userId: z.string(),
  roomId: z.string().nullable(),
  until: epochMsSchema.nullable(),
  reason: z.string().nullable(),
  createdAt: epochMsSchema,
  createdBy: z.string(),
});
export const storedAuditEntrySchema = z.object({
  id: z.string(),
  at: epochMsSchema,
  actorId: z.string(),
  action: z.string(),
  target: z.string(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
