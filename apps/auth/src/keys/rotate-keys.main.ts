/**
 * Rotates the shared signing key without going through the app (no admin token needed,
 * only access to Redis):
 *
 *   npm run auth:rotate-keys          (tsx --tsconfig tsconfig.base.json apps/auth/src/keys/rotate-keys.main.ts)
 *   node dist/apps/auth/rotate-keys.js   (built, e.g. inside the auth container)
 *
 * It reads the same environment as the auth app (REDIS_URL, DANMAKU_NAMESPACE, AUTH_KEK or
 * AUTH_KEK_FILE, SIGNING_KEY_OVERLAP_SEC, the token lifetimes…) and prints one JSON line on stdout:
 * `{"kid", "previousKid", "previousKeyVerifiesUntil"}`. Running instances sign with the
 * new key within SIGNING_KEYS_RELOAD_SEC and verify it at once. Exit code 1 on failure,
 * including a key set sealed with another key-encryption key (it is never replaced).
 */
import 'reflect-metadata';
import pino from 'pino';
import { ConfigError, createRedisClient } from '@danmaku/platform';
import { loadAuthConfig, signingKeyOverlapSec } from '../config/auth.config';
import { loadKeyEncryptionKey, type KeyEncryptionKey } from './key-encryption';
import { rotateKeySet } from './key-rotation';
import { SigningKeyRepository } from './signing-key.repository';

async function main(): Promise<number> {
  let config;
  let kek: KeyEncryptionKey;
  try {
    config = loadAuthConfig();
    kek = loadKeyEncryptionKey();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`auth:rotate-keys: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  // Logs go to stderr: stdout carries only the result.
  const logger = pino({ name: 'auth-rotate-keys', level: config.LOG_LEVEL }, pino.destination(2));
  const redis = createRedisClient({
    url: config.REDIS_URL,
    namespace: config.DANMAKU_NAMESPACE,
    name: 'auth:rotate-keys',
  });
  // The client retries forever in the background; one failed command is enough here.
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis error'));
  try {
    const overlapSec = signingKeyOverlapSec(config);
    const { rotation } = await rotateKeySet(new SigningKeyRepository(redis, logger, kek), overlapSec * 1000);
    logger.info({ ...rotation, overlapSec }, 'signing key rotated');
    process.stdout.write(`${JSON.stringify(rotation)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`auth:rotate-keys: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

void main().then((code) => {
  process.exitCode = code;
});
