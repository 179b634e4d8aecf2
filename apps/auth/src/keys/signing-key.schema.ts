import { z } from 'zod';
import { ACCESS_TOKEN_ALG } from '@danmaku/platform';

/** An Ed25519 public key as a JWK (RFC 8037). */
export const ed25519PublicJwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().min(1),
});

export const ed25519PrivateJwkSchema = ed25519PublicJwkSchema.extend({ d: z.string().min(1) });

export const storedSigningKeySchema = z.object({
  /** RFC 7638 thumbprint of the public key: stable, and the same on every instance. */
  kid: z.string().min(1),
  alg: z.literal(ACCESS_TOKEN_ALG),
  createdAt: z.number().int().nonnegative(),
  publicJwk: ed25519PublicJwkSchema,
  privateJwk: ed25519PrivateJwkSchema,
  /** Set by a rotation: when this key stopped signing (ms). */
  retiredAt: z.number().int().nonnegative().optional(),
  /** Set by a rotation: after this (ms) the key neither verifies nor is published, and is pruned. */
  verifyUntil: z.number().int().nonnegative().optional(),
});
export type StoredSigningKey = z.infer<typeof storedSigningKeySchema>;

/**
 * The key set every auth instance shares (Redis `auth:signing-keys`, private to auth).
 * `currentKid` signs; every key in `keys` whose `verifyUntil` has not passed is published
 * in the JWKS and still verifies. A rotation adds a key, switches `currentKid` and gives
 * the old key a `verifyUntil` (the overlap); instances prune keys past it.
 */
export const signingKeySetSchema = z
  .object({
    version: z.literal(1),
    currentKid: z.string().min(1),
    keys: z.array(storedSigningKeySchema).min(1),
  })
  .refine((s) => s.keys.some((k) => k.kid === s.currentKid), 'currentKid must name one of keys')
  .refine(
    (s) => s.keys.every((k) => k.kid !== s.currentKid || k.verifyUntil === undefined),
    'the current key cannot be retired',
  );
export type SigningKeySet = z.infer<typeof signingKeySetSchema>;

/** A public key as `/.well-known/jwks.json` publishes it. */
export interface PublishedJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: typeof ACCESS_TOKEN_ALG;
  use: 'sig';
}

/** `POST /v1/auth/keys/rotate` → 201, and what `rotate-keys.main.ts` prints. */
export const keyRotationSchema = z.object({
  /** The key that signs from now on. */
  kid: z.string(),
  /** The key it replaced (null when there was no key set yet). */
  previousKid: z.string().nullable(),
  /** Until when (ms) the previous key still verifies and stays in the JWKS. */
  previousKeyVerifiesUntil: z.number().int().nullable(),
});
export type KeyRotation = z.infer<typeof keyRotationSchema>;
