import { z } from 'zod';
import type { ERROR_SCHEMA, OpenApiSchemas } from '@danmaku/platform';
import {
  danmakuSchema,
  epochMsSchema,
  type Danmaku,
  type Page,
  type ReplaySessionSummary,
  type SessionDensity,
} from '@danmaku/contracts';

// The contract gives these answers as TypeScript interfaces only; their zod twins live here,
// checked against the interfaces below so the document cannot drift from what is sent.
const replaySessionSummarySchema = z.object({
  sessionId: z.string(),
  startedAt: epochMsSchema,
  endedAt: epochMsSchema.nullable(),
  count: z.number().int().nonnegative(),
});
const sessionDensitySchema = z.object({
  bucketMs: z.number().int().positive(),
  buckets: z.array(z.number().int().nonnegative()),
});
const danmakuPageSchema = z.object({ items: z.array(danmakuSchema), nextCursor: z.string().nullable() });

/** The document's named schemas (see `setupOpenApi` in @danmaku/platform); replay reads no bodies. */
const RESPONSES = {
  SessionList: z.object({ items: z.array(replaySessionSummarySchema) }),
  DanmakuPage: danmakuPageSchema,
  SessionDensity: sessionDensitySchema,
} as const;

export const REPLAY_SCHEMAS: OpenApiSchemas = { responses: RESPONSES };
export type SchemaName = keyof typeof RESPONSES | typeof ERROR_SCHEMA;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const RESPONSE_SHAPES_MATCH: true[] = [
  true satisfies Same<z.infer<typeof replaySessionSummarySchema>, ReplaySessionSummary>,
  true satisfies Same<z.infer<typeof sessionDensitySchema>, SessionDensity>,
  true satisfies Same<z.infer<typeof danmakuPageSchema>, Page<Danmaku>>,
];
