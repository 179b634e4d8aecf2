import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { ACCESS_TOKEN_ALG, DomainException } from '@danmaku/platform';
import type { KeySetStore, StoredKeySet } from './signing-key.repository';
import {
  ed25519PrivateJwkSchema,
  ed25519PublicJwkSchema,
  type KeyRotation,
  type SigningKeySet,
  type StoredSigningKey,
} from './signing-key.schema';

/**
 * Rotation and pruning of the shared key set. Plain functions over the store, because two
 * callers need them: the running app (`POST /v1/auth/keys/rotate`, the reload loop) and the
 * `rotate-keys.main.ts` command, which runs without the app.
 */

/** A compare-and-set that keeps losing means something else rewrites the set in a loop. */
const MAX_ATTEMPTS = 5;

export async function generateSigningKey(now: number): Promise<StoredSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, {
    crv: 'Ed25519',
    extractable: true,
  });
  const publicJwk = ed25519PublicJwkSchema.parse(await exportJWK(publicKey));
  const privateJwk = ed25519PrivateJwkSchema.parse(await exportJWK(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { kid, alg: ACCESS_TOKEN_ALG, createdAt: now, publicJwk, privateJwk };
}

/** A fresh key set holding one new Ed25519 key. */
export async function generateKeySet(now: number): Promise<SigningKeySet> {
  const key = await generateSigningKey(now);
  return { version: 1, currentKid: key.kid, keys: [key] };
}

/** Whether a key may still verify tokens (and be published) at `now`. */
export function stillVerifies(key: Pick<StoredSigningKey, 'verifyUntil'>, now: number): boolean {
  return key.verifyUntil === undefined || key.verifyUntil > now;
}

/**
 * `next` becomes the signing key; the current one is retired and keeps verifying for
 * `overlapMs`. Keys already past their overlap are dropped on the way.
 */
export function withRotation(
  set: SigningKeySet,
  next: StoredSigningKey,
  now: number,
  overlapMs: number,
): SigningKeySet {
  const keys = set.keys
    .filter((k) => stillVerifies(k, now))
    .map((k) => (k.kid === set.currentKid ? { ...k, retiredAt: now, verifyUntil: now + overlapMs } : k));
  return { version: 1, currentKid: next.kid, keys: [...keys, next] };
}

/** The set without keys past their overlap, or null when there are none to drop. */
export function withoutExpired(set: SigningKeySet, now: number): SigningKeySet | null {
  const keys = set.keys.filter((k) => stillVerifies(k, now));
  return keys.length === set.keys.length ? null : { ...set, keys };
}

/**
 * Rotates the shared key set (creating it if no instance ever ran). Safe against a
 * concurrent rotation or prune: the write is a compare-and-set, retried on a fresh read.
 */
export async function rotateKeySet(
  store: KeySetStore,
  overlapMs: number,
  now: () => number = Date.now,
): Promise<{ rotation: KeyRotation; stored: StoredKeySet }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.load();
    const at = now();
    if (!current) {
      const created = await store.createIfAbsent(await generateKeySet(at));
      if (created) {
        const rotation = { kid: created.set.currentKid, previousKid: null, previousKeyVerifiesUntil: null };
        return { rotation, stored: created };
      }
      continue;
    }
    const next = await generateSigningKey(at);
    const written = await store.replace(current, withRotation(current.set, next, at, overlapMs));
    if (written) {
      const rotation = {
        kid: next.kid,
        previousKid: current.set.currentKid,
        previousKeyVerifiesUntil: at + overlapMs,
      };
      return { rotation, stored: written };
    }
  }
  throw new DomainException('UNAVAILABLE', 'The signing key set keeps changing, try again');
}

/** Drops keys past their overlap; null when nothing was due (or another instance did it). */
export async function pruneKeySet(store: KeySetStore, now: number): Promise<StoredKeySet | null> {
  const current = await store.load();
  const pruned = current && withoutExpired(current.set, now);
  if (!current || !pruned) return null;
  return store.replace(current, pruned);
}
