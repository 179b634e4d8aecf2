import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { errors as joseErrors, importJWK, type CryptoKey, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { ACCESS_TOKEN_ALG, APP_LOGGER, DomainException, ReadinessService } from '@danmaku/platform';
import {
  AUTH_CONFIG,
  longestTokenTtlSec,
  signingKeyOverlapSec,
  type AuthConfig,
} from '../config/auth.config';
import { AuthMetrics } from '../metrics/auth-metrics.service';
import { KeySetSealedError } from './key-encryption';
import { generateKeySet, pruneKeySet, rotateKeySet, stillVerifies, withoutExpired } from './key-rotation';
import { SigningKeyRepository, type StoredKeySet } from './signing-key.repository';
import type { KeyRotation, PublishedJwk, SigningKeySet } from './signing-key.schema';

interface LoadedKey {
  key: CryptoKey;
  jwk: PublishedJwk;
  verifyUntil?: number;
}

interface LoadedKeys {
  /** The document as read: an unchanged set is not imported again. */
  raw: string;
  set: SigningKeySet;
  currentKid: string;
  signingKey: CryptoKey;
  publicKeys: Map<string, LoadedKey>;
}

const RETRY_MS = 1_000;

/**
 * Holds the Ed25519 signing key and every public key that still verifies, from the key
 * set all auth instances share. The first instance to start generates the set; the others
 * adopt it (SET NX). Every instance re-reads it on an interval (a rotation done elsewhere
 * reaches it within SIGNING_KEYS_RELOAD_SEC) and at once for an unknown `kid` or a JWKS
 * request, so a new key verifies everywhere as soon as it signs anywhere.
 */
@Injectable()
export class SigningKeyService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private loaded: LoadedKeys | null = null;
  private reading: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly reloadMs: number;
  private readonly overlapMs: number;

  constructor(
    private readonly repository: SigningKeyRepository,
    private readonly readiness: ReadinessService,
    private readonly metrics: AuthMetrics,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.reloadMs = config.SIGNING_KEYS_RELOAD_SEC * 1000;
    this.overlapMs = signingKeyOverlapSec(config) * 1000;
  }

  onModuleInit(): void {
    this.readiness.register('signing-keys', () => this.loaded !== null);
    if (this.overlapMs < longestTokenTtlSec(this.config) * 1000) {
      this.logger.warn(
        { overlapSec: this.overlapMs / 1000, longestTokenTtlSec: longestTokenTtlSec(this.config) },
        'SIGNING_KEY_OVERLAP_SEC is shorter than the token lifetime: tokens signed just before a rotation will be refused before they expire',
      );
    }
  }

  /**
   * One read before listening: a key set this AUTH_KEK cannot open refuses the start, with
   * the reason (KeySetSealedError), instead of serving without keys or replacing them. A
   * Redis outage only makes the app unready: the reload loop keeps trying in the background.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.maintain();
    } catch (err) {
      if (err instanceof KeySetSealedError) throw err;
      this.logger.warn({ err: errorText(err) }, 'cannot load signing keys yet');
    }
    this.schedule(this.loaded ? this.reloadMs : RETRY_MS);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  get isLoaded(): boolean {
    return this.loaded !== null;
  }

  /** Reads (creating on the very first start) and adopts the shared key set. */
  ensureLoaded(): Promise<void> {
    return this.freshRead();
  }

  /** The key that signs new tokens. */
  current(): { kid: string; key: CryptoKey } {
    const loaded = this.requireLoaded();
    return { kid: loaded.currentKid, key: loaded.signingKey };
  }

  /** For the shared TokenVerifier: the public key a token header names, or JWKSNoMatchingKey. */
  keyResolver(): JWTVerifyGetKey {
    return async (header) => {
      const key = await this.publicKey(header.kid);
      if (!key) throw new joseErrors.JWKSNoMatchingKey();
      return key;
    };
  }

  /**
   * The public key for a token's `kid`; an unknown kid makes this instance re-read the set
   * first (concurrent lookups share one read), since another instance may have just rotated.
   * A retired key past its overlap is refused at once, before it is even pruned.
   */
  async publicKey(kid: string | undefined): Promise<CryptoKey | null> {
    if (!kid) return null;
    const known = this.lookup(kid);
    if (known !== undefined) return known;
    await this.freshRead();
    return this.lookup(kid) ?? null;
  }

  /**
   * Every public key that still verifies, for `/.well-known/jwks.json`. Read fresh, so a
   * verifier that refetches for a new kid finds it whichever instance answers; if Redis is
   * away, the keys already held are served.
   */
  async jwks(): Promise<PublishedJwk[]> {
    try {
      await this.freshRead();
    } catch (err) {
      if (!this.loaded) throw err;
      this.logger.warn({ err: errorText(err) }, 'serving the JWKS from memory: cannot re-read the key set');
    }
    const now = Date.now();
    return [...this.requireLoaded().publicKeys.values()]
      .filter((k) => stillVerifies(k, now))
      .map((k) => k.jwk);
  }

  /**
   * Makes a new key the signing key everywhere; the previous one keeps verifying for the
   * overlap (SIGNING_KEY_OVERLAP_SEC). Other instances sign with it after their next
   * re-read; until then they sign with the previous key, which is still valid.
   */
  async rotate(): Promise<KeyRotation> {
    const { rotation } = await rotateKeySet(this.repository, this.overlapMs);
    await this.freshRead();
    this.metrics.signingKeyRotated();
    return rotation;
  }

  /** One maintenance pass: re-read the set, prune keys past their overlap. Exposed for tests. */
  async maintain(): Promise<void> {
    await this.freshRead();
    const now = Date.now();
    if (!this.loaded || withoutExpired(this.loaded.set, now) === null) return;
    const pruned = await pruneKeySet(this.repository, now);
    if (pruned) {
      this.logger.info({ kids: pruned.set.keys.map((k) => k.kid) }, 'pruned signing keys past their overlap');
      await this.freshRead();
    }
  }

  /** undefined: unknown here. null: known, but past its overlap. */
  private lookup(kid: string): CryptoKey | null | undefined {
    const entry = this.requireLoaded().publicKeys.get(kid);
    if (!entry) return undefined;
    return stillVerifies(entry, Date.now()) ? entry.key : null;
  }

  private requireLoaded(): LoadedKeys {
    if (!this.loaded) throw new DomainException('UNAVAILABLE', 'Signing keys are not loaded yet');
    return this.loaded;
  }

  /**
   * Resolves after a read of the key set that started after this call (what the caller
   * needs was written before it called). Reads never overlap, so the newest read is the
   * one adopted; callers arriving during a read share the next one.
   */
  private freshRead(): Promise<void> {
    if (!this.reading) return this.startRead();
    this.queued ??= this.reading
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        // A read started since began after every caller waiting here arrived.
        return this.reading ?? this.startRead();
      });
    return this.queued;
  }

  private startRead(): Promise<void> {
    this.reading = this.readAndAdopt().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async readAndAdopt(): Promise<void> {
    let stored = await this.repository.load();
    if (!stored) {
      const created = await this.repository.createIfAbsent(await generateKeySet(Date.now()));
      if (created) this.logger.info({ kid: created.set.currentKid }, 'generated the signing key set');
      stored = created ?? (await this.repository.load());
      if (!stored) throw new Error('signing key set vanished right after it was created');
    }
    await this.adopt(stored);
  }

  private async adopt(stored: StoredKeySet): Promise<void> {
    if (this.loaded?.raw === stored.raw) return;
    const previousKid = this.loaded?.currentKid;
    this.loaded = await importKeySet(stored);
    this.metrics.signingKeysHeld(this.loaded.publicKeys.size);
    if (previousKid !== this.loaded.currentKid) {
      this.logger.info({ kid: this.loaded.currentKid, previousKid }, 'signing key loaded');
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.maintain().then(
        () => this.schedule(this.reloadMs),
        (err: unknown) => {
          // Sealed with another KEK later on (say, an instance started with the wrong one
          // rotated nothing, but an operator restored a dump): keep the keys in memory, shout.
          if (err instanceof KeySetSealedError)
            this.logger.error({ err: err.message }, 'cannot open the signing key set');
          else this.logger.warn({ err: errorText(err) }, 'cannot load signing keys');
          this.schedule(this.loaded ? this.reloadMs : RETRY_MS);
        },
      );
    }, delayMs);
    this.timer.unref();
  }
}

async function importKeySet(stored: StoredKeySet): Promise<LoadedKeys> {
  const { set } = stored;
  const publicKeys = new Map<string, LoadedKey>();
  let signingKey: CryptoKey | null = null;
  for (const k of set.keys) {
    publicKeys.set(k.kid, {
      key: (await importJWK(k.publicJwk, ACCESS_TOKEN_ALG)) as CryptoKey,
      jwk: { ...k.publicJwk, kid: k.kid, alg: ACCESS_TOKEN_ALG, use: 'sig' },
      verifyUntil: k.verifyUntil,
    });
    if (k.kid === set.currentKid) signingKey = (await importJWK(k.privateJwk, ACCESS_TOKEN_ALG)) as CryptoKey;
  }
  if (!signingKey) throw new Error('current signing key missing from the key set');
  return { raw: stored.raw, set, currentKid: set.currentKid, signingKey, publicKeys };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
