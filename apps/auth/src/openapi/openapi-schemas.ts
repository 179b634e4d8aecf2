import { z } from 'zod';
import { ACCESS_TOKEN_ALG, type ERROR_SCHEMA, type OpenApiSchemas } from '@danmaku/platform';
import {
  guestBodySchema,
  guestTokenSchema,
  loginBodySchema,
  meResponseSchema,
  refreshBodySchema,
  registerBodySchema,
  registeredUserSchema,
  setRoleBodySchema,
  tokenPairSchema,
  userAccountSchema,
} from '@danmaku/contracts';
import { ed25519PublicJwkSchema, keyRotationSchema, type PublishedJwk } from '../keys/signing-key.schema';

/** A key as `/.well-known/jwks.json` publishes it (the zod twin of `PublishedJwk`). */
const publishedJwkSchema = ed25519PublicJwkSchema.extend({
  kid: z.string(),
  alg: z.literal(ACCESS_TOKEN_ALG),
  use: z.literal('sig'),
});

/**
 * The document's named schemas: the contract's zod schemas that validate requests and
 * describe answers (see `setupOpenApi` in @danmaku/platform).
 */
const REQUESTS = {
  RegisterBody: registerBodySchema,
  LoginBody: loginBodySchema,
  GuestBody: guestBodySchema,
  RefreshBody: refreshBodySchema,
  SetRoleBody: setRoleBodySchema,
} as const;
const RESPONSES = {
  RegisteredUser: registeredUserSchema,
  TokenPair: tokenPairSchema,
  GuestToken: guestTokenSchema,
  Me: meResponseSchema,
  UserAccount: userAccountSchema,
  KeyRotation: keyRotationSchema,
  Jwks: z.object({ keys: z.array(publishedJwkSchema) }),
} as const;

export const AUTH_SCHEMAS: OpenApiSchemas = { requests: REQUESTS, responses: RESPONSES };
export type SchemaName = keyof typeof REQUESTS | keyof typeof RESPONSES | typeof ERROR_SCHEMA;

// The documented JWK must be exactly what the JWKS route sends.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const RESPONSE_SHAPES_MATCH: true[] = [
  true satisfies Same<z.infer<typeof publishedJwkSchema>, PublishedJwk>,
];
