import { z } from 'zod';
import { metricsEnvShape } from '../health/metrics-env';

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
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each broker must be host:port')).min(1));

/** Variables every app reads. */
export const commonEnvShape = {
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe(
      '`production`: logs are JSON lines even on a terminal (see LOG_FORMAT), and auth refuses to start ' +
        'without ADMIN_USERNAME / ADMIN_PASSWORD and AUTH_KEK.',
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Lowest level written to the logs (pino levels); `silent` writes nothing.'),
  LOG_FORMAT: z
    .enum(['auto', 'json', 'pretty'])
    .default('auto')
    .describe(
      '`json`: one JSON object per line, for machines; `pretty`: one coloured line per event, for people; ' +
        '`auto`: pretty when stdout is a terminal and NODE_ENV is not `production`, else JSON. ' +
        '`npm start` sets `pretty` when it runs in a terminal.',
    ),
  KAFKA_BROKERS: brokerList.describe('Comma-separated Kafka bootstrap brokers, each `host:port`.'),
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .refine((s) => /^rediss?:\/\//.test(s), 'must be a redis:// or rediss:// URL')
    .describe(
      'Redis to use (`rediss://` for TLS). Where Redis has the ACL users of deploy/redis/users.acl, ' +
        'each app connects as its own: `redis://<app>:<password>@host:port` (docs/security.md). ' +
        'A password in it never reaches the logs.',
    ),
  DANMAKU_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9-]*$/, 'lower-case letters, digits and dashes only')
    .default('')
    .describe(
      'Prefix for Kafka topics, consumer groups and Redis keys, so several stacks can share one Kafka and Redis.',
    ),
  AUTH_JWKS_URL: z
    .url()
    .default('http://127.0.0.1:3001/.well-known/jwks.json')
    .describe('Where the auth app publishes its public keys; the apps verify access tokens with them.'),
  TOKEN_ISSUER: z
    .string()
    .min(1)
    .default('danmaku-auth')
    .describe('`iss` of access tokens: auth signs it, every app requires it.'),
  TOKEN_AUDIENCE: z
    .string()
    .min(1)
    .default('danmaku')
    .describe('`aud` of access tokens: auth signs it, every app requires it.'),
  GATEWAY_PUBLIC_URL: z
    .url()
    .default('http://127.0.0.1:3000')
    .describe(
      "The gateway's base URL as clients reach it: the AsyncAPI document names it as the server, " +
        "and the other apps' API pages link to its `/docs`.",
    ),
  ...metricsEnvShape,
};
export const commonEnvSchema = z.object(commonEnvShape);
export type CommonConfig = z.infer<typeof commonEnvSchema>;

/** Redis key prefix for a namespace (`ns:` or nothing). */
export function redisKeyPrefix(namespace: string): string {
  return namespace ? `${namespace}:` : '';
}
