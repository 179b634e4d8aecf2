import { z } from 'zod';

/** Thrown at start-up when the environment is wrong; names every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once, against a schema whose keys are variable names.
 * @example
 * const config = parseEnv(z.object({ GATEWAY_PORT: portVar(3000) }));
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const name = String(i.path[0] ?? '(env)');
    const raw = env[name];
    // Never echo a value: it may be a secret.
    return `${name}: ${i.message}${raw === undefined ? ' (not set)' : ''}`;
  });
  throw new ConfigError(problems);
}

export const portVar = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
export const msVar = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
export const boolVar = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

const brokerList = z
  .string()
  .default('127.0.0.1:9092')
  .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each broker must be host:port')).min(1));

/** Variables every app reads. */
export const commonEnvShape = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: brokerList,
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .refine((s) => /^rediss?:\/\//.test(s), 'must be a redis:// or rediss:// URL'),
  /** Prefix for Kafka topics, consumer groups and Redis keys, to share one Kafka/Redis between stacks. */
  DANMAKU_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9-]*$/, 'lower-case letters, digits and dashes only')
    .default(''),
  /** Where the auth app publishes its public keys. */
  AUTH_JWKS_URL: z.url().default('http://127.0.0.1:3001/.well-known/jwks.json'),
  TOKEN_ISSUER: z.string().min(1).default('danmaku-auth'),
  TOKEN_AUDIENCE: z.string().min(1).default('danmaku'),
};
export const commonEnvSchema = z.object(commonEnvShape);
export type CommonConfig = z.infer<typeof commonEnvSchema>;

/** Redis key prefix for a namespace (`ns:` or nothing). */
export function redisKeyPrefix(namespace: string): string {
  return namespace ? `${namespace}:` : '';
}
