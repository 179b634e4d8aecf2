import { randomBytes } from 'node:crypto';

/**
 * A fresh value for a scope's `modKeys.context` key. Random rather than a counter: a Redis
 * that lost its data and was written again never repeats a token a decider still caches.
 */
export function newContextToken(): string {
  return randomBytes(12).toString('base64url');
}
