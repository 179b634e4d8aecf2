import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { APP_LOGGER, REDIS } from '@danmaku/platform';
import { orUnavailable } from '../common/unavailable';
import {
  KEY_ENCRYPTION_KEY,
  isPlaintextKeySet,
  openKeySet,
  sealKeySet,
  type KeyEncryptionKey,
} from './key-encryption';
import { signingKeySetSchema, type SigningKeySet } from './signing-key.schema';

/**
 * Private to auth: the shared signing key set as one document, so a rotation is one atomic
 * write. Sealed with the KEK (a compact JWE, see key-encryption.ts): the Redis every app
 * shares never holds a private key in the clear.
 */
export const SIGNING_KEYS_KEY = 'auth:signing-keys';

/** The key set as stored: `raw` is the exact (sealed) document, the token for a compare-and-set. */
export interface StoredKeySet {
  raw: string;
  set: SigningKeySet;
}

/** What rotation and pruning need from the store (the CLI uses the same repository). */
export type KeySetStore = Pick<SigningKeyRepository, 'load' | 'createIfAbsent' | 'replace'>;

// Compare-and-set on the whole document: a rotation or a prune based on a stale read loses
// and retries, so two instances never overwrite each other's key.
const REPLACE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

type ReplaceCommand = (key: string, expected: string, next: string) => Promise<number>;

@Injectable()
export class SigningKeyRepository {
  private readonly replaceCommand: ReplaceCommand;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(KEY_ENCRYPTION_KEY) private readonly kek: KeyEncryptionKey,
  ) {
    // defineCommand: EVALSHA with the client's key prefix applied to KEYS.
    this.redis.defineCommand('authReplaceKeySet', { numberOfKeys: 1, lua: REPLACE_LUA });
    const client = this.redis as unknown as { authReplaceKeySet: ReplaceCommand };
    this.replaceCommand = client.authReplaceKeySet.bind(this.redis);
  }

  /**
   * The stored key set, or null before the first instance created one. A plaintext set
   * written before sealing is sealed on the spot (compare-and-set, so one instance does it).
   * A set sealed with another KEK, or corrupt, throws: it must stop signing rather than be
   * silently replaced, which would invalidate every token in flight and hide the cause.
   */
  async load(): Promise<StoredKeySet | null> {
    const raw = await orUnavailable(this.logger, 'signing-keys.load', () => this.redis.get(SIGNING_KEYS_KEY));
    if (raw === null) return null;
    if (isPlaintextKeySet(raw)) return this.sealPlaintext(raw);
    return { raw, set: signingKeySetSchema.parse(JSON.parse(await openKeySet(raw, this.kek))) };
  }

  /** Stores the set unless one exists (SET NX), so concurrent first starts agree on one key. */
  async createIfAbsent(set: SigningKeySet): Promise<StoredKeySet | null> {
    const raw = await this.seal(set);
    const res = await orUnavailable(this.logger, 'signing-keys.create', () =>
      this.redis.set(SIGNING_KEYS_KEY, raw, 'NX'),
    );
    return res === 'OK' ? { raw, set } : null;
  }

  /** Writes `next` only if the document is still `expected.raw`; null when it changed meanwhile. */
  async replace(expected: StoredKeySet, next: SigningKeySet): Promise<StoredKeySet | null> {
    const raw = await this.seal(next);
    const res = await orUnavailable(this.logger, 'signing-keys.replace', () =>
      this.replaceCommand(SIGNING_KEYS_KEY, expected.raw, raw),
    );
    return res === 1 ? { raw, set: next } : null;
  }

  private seal(set: SigningKeySet): Promise<string> {
    return sealKeySet(JSON.stringify(set), this.kek);
  }

  private async sealPlaintext(plain: string): Promise<StoredKeySet | null> {
    const set = signingKeySetSchema.parse(JSON.parse(plain));
    const sealed = await this.replace({ raw: plain, set }, set);
    if (sealed) {
      this.logger.warn(
        { kek: this.kek.id, kids: set.keys.map((k) => k.kid) },
        'sealed the plaintext signing key set with the key-encryption key',
      );
      return sealed;
    }
    // Another instance sealed (or rotated) it first: read what it wrote.
    return this.load();
  }
}
