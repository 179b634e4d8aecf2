import { z } from 'zod';
import { commonEnvShape, parseEnv, portVar } from '@danmaku/platform';

export const replayEnvSchema = z.object({
  ...commonEnvShape,
  REPLAY_PORT: portVar(3003),
  /** How long shared caches may keep answers about an ended session (0: always revalidate). */
  REPLAY_ENDED_SESSION_MAX_AGE_SEC: z.coerce.number().int().min(0).max(86_400).default(30),
});
export type ReplayConfig = z.infer<typeof replayEnvSchema>;

/** Injection token of the parsed ReplayConfig. */
export const REPLAY_CONFIG = Symbol('REPLAY_CONFIG');

export function loadReplayConfig(env: NodeJS.ProcessEnv = process.env): ReplayConfig {
  return parseEnv(replayEnvSchema, env);
}
