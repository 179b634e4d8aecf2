import { z } from 'zod';
import { commonEnvShape, parseEnv, portVar } from '@danmaku/platform';

export const replayEnvSchema = z.object({
  ...commonEnvShape,
  REPLAY_PORT: portVar(3003),
});
export type ReplayConfig = z.infer<typeof replayEnvSchema>;

export function loadReplayConfig(env: NodeJS.ProcessEnv = process.env): ReplayConfig {
  return parseEnv(replayEnvSchema, env);
}
