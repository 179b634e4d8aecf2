import { z } from 'zod';
import { commonEnvShape, parseEnv, portVar } from '@danmaku/platform';

export const replayEnvSchema = z.object({
  ...commonEnvShape,
  REPLAY_PORT: portVar(3003).describe('HTTP port of the replay API.'),
  REPLAY_ENDED_SESSION_MAX_AGE_SEC: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400)
    .default(60)
    .describe(
      'How long shared caches may serve answers about an ended session before revalidating ' +
        '(0: always revalidate). Short on purpose: a moderator may still retract a message.',
    ),
  REPLAY_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(36_500)
    .default(0)
    .describe(
      'Days a session is kept after it ended, and room history (by sentAt) is kept; 0 keeps everything ' +
        'forever. Enforced by a sweep (docs/operations/replay.md).',
    ),
  REPLAY_RETENTION_SWEEP_SEC: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(3600)
    .describe('Seconds between two retention sweeps (one instance sweeps per interval).'),
});
export type ReplayConfig = z.infer<typeof replayEnvSchema>;

/** Injection token of the parsed ReplayConfig. */
export const REPLAY_CONFIG = Symbol('REPLAY_CONFIG');

export function loadReplayConfig(env: NodeJS.ProcessEnv = process.env): ReplayConfig {
  return parseEnv(replayEnvSchema, env);
}
