import { z } from 'zod';
import type { ERROR_SCHEMA, OpenApiSchemas } from '@danmaku/platform';
import {
  auditEntrySchema,
  auditPageSchema,
  banBodySchema,
  blockedTermBodySchema,
  blockedTermViewSchema,
  createdTermSchema,
  endedSessionViewSchema,
  liveSessionSchema,
  muteBodySchema,
  retractBodySchema,
  roomSettingsPatchSchema,
  roomSettingsSchema,
  roomViewSchema,
  sanctionViewSchema,
  type AuditEntry,
  type BlockedTermView,
  type EndedSessionView,
  type Page,
  type RoomView,
  type SanctionView,
} from '@danmaku/contracts';

/**
 * The document's named schemas, generated from the contract's zod schemas (the same ones
 * that validate requests), so the document cannot drift from what the API accepts.
 * Request bodies are described as clients send them (`io: 'input'`), responses as sent.
 */
const REQUESTS = {
  RoomSettingsPatch: roomSettingsPatchSchema,
  BlockedTermBody: blockedTermBodySchema,
  BanBody: banBodySchema,
  MuteBody: muteBodySchema,
  RetractBody: retractBodySchema,
} as const;
const RESPONSES = {
  RoomView: roomViewSchema,
  RoomSettings: roomSettingsSchema,
  LiveSession: liveSessionSchema,
  EndedSession: endedSessionViewSchema,
  BlockedTerm: blockedTermViewSchema,
  CreatedTerm: createdTermSchema,
  BlockedTermList: z.object({ items: z.array(blockedTermViewSchema) }),
  Sanction: sanctionViewSchema,
  SanctionList: z.object({ items: z.array(sanctionViewSchema) }),
  AuditEntry: auditEntrySchema,
  AuditPage: auditPageSchema,
} as const;

export const MODERATION_SCHEMAS: OpenApiSchemas = { requests: REQUESTS, responses: RESPONSES };
export type SchemaName = keyof typeof REQUESTS | keyof typeof RESPONSES | typeof ERROR_SCHEMA;

// The documented response shapes must be exactly the types the services return.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const RESPONSE_SHAPES_MATCH: true[] = [
  true satisfies Same<z.infer<typeof roomViewSchema>, RoomView>,
  true satisfies Same<z.infer<typeof endedSessionViewSchema>, EndedSessionView>,
  true satisfies Same<z.infer<typeof blockedTermViewSchema>, BlockedTermView>,
  true satisfies Same<z.infer<typeof sanctionViewSchema>, SanctionView>,
  true satisfies Same<z.infer<typeof auditEntrySchema>, AuditEntry>,
  true satisfies Same<z.infer<typeof auditPageSchema>, Page<AuditEntry>>,
];
