import { z } from 'zod';
import { commonEnvShape, msVar, parseEnv, portVar } from '@danmaku/platform';

export const moderationEnvSchema = z.object({
  ...commonEnvShape,
  MODERATION_PORT: portVar(3002).describe('HTTP port of the moderation API.'),
  MODERATION_FLOOD_MAX: z.coerce
    .number()
    .int()
    .min(0)
    .default(15)
    .describe(
      'Flood control: more than this many submissions by one user in one room within ' +
        'MODERATION_FLOOD_WINDOW_MS are rejected with FLOOD (0: off).',
    ),
  MODERATION_FLOOD_WINDOW_MS: msVar(10_000).describe('Window of MODERATION_FLOOD_MAX.'),
  MODERATION_DUPLICATE_WINDOW_MS: msVar(30_000).describe(
    "uniqueChat rooms refuse the same user's same text within this window (DUPLICATE).",
  ),
  MODERATION_DECIDE_MIN_CYCLE_MS: msVar(10).describe(
    'Under load, the decision consumer reads at most one fetch per this many ms (each batch costs a ' +
      'fetch, three Redis round trips and a produce, whatever its size); a quiet topic is read at once.',
  ),
  MODERATION_DECIDE_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(6)
    .describe(
      'Partitions of `danmaku.submitted.v1` one instance decides at once. Each partition stays in order; ' +
        'the partition batches of one fetch are decided in one call (one Redis round trip and one produce ' +
        'for all), so the default covers every partition.',
    ),
  MODERATION_RECENT_BUFFER: z.coerce
    .number()
    .int()
    .min(50)
    .max(10_000)
    .default(1000)
    .describe(
      'How many accepted danmaku each room keeps for joins and reconnects (`room:{id}:recent`); ' +
        'a `room:join` with an older `sinceSeq` answers `recovered: false`.',
    ),
  MODERATION_GROUP_SESSION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(300_000)
    .default(2000)
    .describe(
      'How long the `moderation.decide` group waits for a silent instance (a killed process) before its ' +
        'partitions move to the others: the longest pause a room sees when one of several instances dies. ' +
        "The broker's `group.min.session.timeout.ms` must not be above it (tools/infra and compose set 1000).",
    ),
  MODERATION_DECISION_TTL_SEC: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600)
    .describe('How long a decision is remembered, so a redelivered submission gets the same answer and seq.'),
  MODERATION_ROOM_IDLE_TTL_SEC: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 3600)
    .describe(
      "A room's seq counter, stream epoch, recent buffer and last seq expire after this long without an " +
        'accepted danmaku (the TTL is renewed in the same script that writes them); the next danmaku then ' +
        'starts a new stream epoch at seq 1, and clients resync instead of seeing seqs go back.',
    ),
});
export type ModerationConfig = z.infer<typeof moderationEnvSchema>;

export function loadModerationConfig(env: NodeJS.ProcessEnv = process.env): ModerationConfig {
  return parseEnv(moderationEnvSchema, env);
}

/** Injection token for the parsed config. */
export const MODERATION_CONFIG = Symbol('MODERATION_CONFIG');
