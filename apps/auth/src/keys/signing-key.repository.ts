import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { APP_LOGGER, REDIS } from '@danmaku/platform';
import { orUnavailable } from '../common/unavailable';
import { signingKeySetSchema, type SigningKeySet } from './signing-key.schema';

/** Private to auth: the shared signing key set as one JSON document, so a rotation is one atomic write. */
export const SIGNING_KEYS_KEY = 'auth:signing-keys';

@Injectable()
export class SigningKeyRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /** The stored key set, or null before the first instance created one. */
  async load(): Promise<SigningKeySet | null> {
    const raw = await orUnavailable(this.logger, 'signing-keys.load', () => this.redis.get(SIGNING_KEYS_KEY));
    if (raw === null) return null;
    // A corrupt key set must stop signing rather than be silently replaced: that would
    // invalidate every token in flight and hide whatever wrote it.
    return signingKeySetSchema.parse(JSON.parse(raw));
  }

  /** Stores the set unless one exists (SET NX), so concurrent first starts agree on one key. */
  async createIfAbsent(set: SigningKeySet): Promise<boolean> {
    const res = await orUnavailable(this.logger, 'signing-keys.create', () =>
      this.redis.set(SIGNING_KEYS_KEY, JSON.stringify(set), 'NX'),
    );
    return res === 'OK';
  }
}
