import { z } from 'zod';
import { commonEnvShape, parseEnv, portVar, trustProxyVar } from '@danmaku/platform';
import { passwordSchema, usernameSchema } from '@danmaku/contracts';

const DAY_SEC = 24 * 3600;

/** `''` counts as unset, so `ADMIN_USERNAME=` in a compose file does not fail the start-up. */
const optionalVar = <S extends z.ZodType>(schema: S) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const secondsVar = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const countVar = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

export const authEnvSchema = z
  .object({
    ...commonEnvShape,
    AUTH_PORT: portVar(3001).describe('HTTP port of the auth API.'),
    ADMIN_USERNAME: optionalVar(usernameSchema).describe(
      'With ADMIN_PASSWORD: that account exists with role admin after start-up (created once, never overwritten).',
    ),
    ADMIN_PASSWORD: optionalVar(passwordSchema).describe(
      'Password of ADMIN_USERNAME when the account is created; required with it.',
    ),
    ACCESS_TOKEN_TTL_SEC: secondsVar(900, 10, DAY_SEC).describe('Lifetime of a user access token.'),
    REFRESH_TOKEN_TTL_SEC: secondsVar(30 * DAY_SEC, 60, 365 * DAY_SEC).describe(
      'Lifetime of a refresh token (each works once; using it issues the next one).',
    ),
    GUEST_TOKEN_TTL_SEC: secondsVar(3600, 10, 7 * DAY_SEC).describe('Lifetime of a guest access token.'),
    LOGIN_MAX_FAILURES_PER_USERNAME: countVar(10).describe(
      'Failed logins for one username within LOGIN_FAILURE_WINDOW_SEC before further attempts get 429.',
    ),
    LOGIN_MAX_FAILURES_PER_IP: countVar(50).describe(
      'Failed logins from one client address within LOGIN_FAILURE_WINDOW_SEC before further attempts get 429.',
    ),
    LOGIN_FAILURE_WINDOW_SEC: secondsVar(900, 1, DAY_SEC).describe('Window of the failed-login limits.'),
    REGISTER_MAX_PER_IP: countVar(20).describe(
      'Registrations (successful or not) from one client address within REGISTER_WINDOW_SEC.',
    ),
    REGISTER_WINDOW_SEC: secondsVar(3600, 1, DAY_SEC).describe('Window of REGISTER_MAX_PER_IP.'),
    GUEST_MAX_PER_IP: countVar(60).describe(
      'Guest tokens issued to one client address within GUEST_WINDOW_SEC.',
    ),
    GUEST_WINDOW_SEC: secondsVar(60, 1, DAY_SEC).describe('Window of GUEST_MAX_PER_IP.'),
    SIGNING_KEY_OVERLAP_SEC: optionalVar(
      z.coerce
        .number()
        .int()
        .min(1)
        .max(400 * DAY_SEC),
    ).describe(
      'How long a key that stopped signing (rotation) still verifies and stays in the JWKS. ' +
        'Unset: the longest token lifetime plus SIGNING_KEYS_RELOAD_SEC plus 60 s, so no token dies early. ' +
        'Shorter values are allowed (tests, emergencies) and warned about at start-up.',
    ),
    SIGNING_KEYS_RELOAD_SEC: secondsVar(5, 1, 300).describe(
      'How often every instance re-reads the shared key set (adopts rotations, prunes old keys).',
    ),
    TRUST_PROXY: trustProxyVar.describe(
      "Auth's older name for TRUSTED_PROXIES (same values), read only when TRUSTED_PROXIES is unset.",
    ),
  })
  .superRefine((env, ctx) => {
    // One without the other is almost certainly a deployment mistake: say so instead of
    // silently starting without an admin.
    if (env.ADMIN_USERNAME !== undefined && env.ADMIN_PASSWORD === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_PASSWORD'],
        message: 'required when ADMIN_USERNAME is set',
      });
    }
    if (env.ADMIN_PASSWORD !== undefined && env.ADMIN_USERNAME === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_USERNAME'],
        message: 'required when ADMIN_PASSWORD is set',
      });
    }
    // Production never runs on a default or forgotten admin password: the deployment names one.
    if (
      env.NODE_ENV === 'production' &&
      env.ADMIN_USERNAME === undefined &&
      env.ADMIN_PASSWORD === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_PASSWORD'],
        message:
          'required when NODE_ENV=production: there is no default admin password; set ADMIN_USERNAME and ADMIN_PASSWORD',
      });
    }
  });
export type AuthConfig = z.infer<typeof authEnvSchema>;

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  return parseEnv(authEnvSchema, env);
}

/**
 * How long a revocation marker must outlive the revocation: the longest lifetime of any
 * access token auth signs (guest tokens may outlive user tokens), plus clock slack.
 */
export function revocationTtlSec(
  config: Pick<AuthConfig, 'ACCESS_TOKEN_TTL_SEC' | 'GUEST_TOKEN_TTL_SEC'>,
): number {
  return longestTokenTtlSec(config) + 60;
}

/** The longest lifetime of any access token auth signs. */
export function longestTokenTtlSec(
  config: Pick<AuthConfig, 'ACCESS_TOKEN_TTL_SEC' | 'GUEST_TOKEN_TTL_SEC'>,
): number {
  return Math.max(config.ACCESS_TOKEN_TTL_SEC, config.GUEST_TOKEN_TTL_SEC);
}

/**
 * How long a rotated-out key keeps verifying. By default long enough for every token it
 * signed, including tokens another instance signed with it before it re-read the key set.
 */
export function signingKeyOverlapSec(
  config: Pick<
    AuthConfig,
    'ACCESS_TOKEN_TTL_SEC' | 'GUEST_TOKEN_TTL_SEC' | 'SIGNING_KEY_OVERLAP_SEC' | 'SIGNING_KEYS_RELOAD_SEC'
  >,
): number {
  return config.SIGNING_KEY_OVERLAP_SEC ?? longestTokenTtlSec(config) + config.SIGNING_KEYS_RELOAD_SEC + 60;
}

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
