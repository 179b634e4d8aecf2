import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey } from 'jose';
import type { Logger } from 'pino';
import { ACCESS_TOKEN_ALG, APP_LOGGER, DomainException, ReadinessService } from '@danmaku/platform';
import { SigningKeyRepository } from './signing-key.repository';
import {
  ed25519PrivateJwkSchema,
  ed25519PublicJwkSchema,
  type PublishedJwk,
  type SigningKeySet,
  type StoredSigningKey,
} from './signing-key.schema';

interface LoadedKeys {
  currentKid: string;
  signingKey: CryptoKey;
  publicKeys: Map<string, CryptoKey>;
  jwks: PublishedJwk[];
}

/** How often an instance re-reads the shared key set, so a rotation done elsewhere reaches it. */
const RELOAD_INTERVAL_MS = 60_000;
/** An unknown `kid` triggers a re-read at most this often (forged kids must not hammer Redis). */
const UNKNOWN_KID_RELOAD_MS = 1_000;
const RETRY_MS = 1_000;

/**
 * Holds the Ed25519 signing key and every still-published public key, loaded from the key
 * set all auth instances share. The first instance to start generates the key set; the
 * others adopt it (SET NX).
 */
@Injectable()
export class SigningKeyService implements OnModuleInit, OnApplicationShutdown {
  private loaded: LoadedKeys | null = null;
  private lastReloadAt = 0;
  private reloading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly repository: SigningKeyRepository,
    private readonly readiness: ReadinessService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.readiness.register('signing-keys', () => this.loaded !== null);
    // Load in the background: a Redis outage at start-up makes the app unready, not dead.
    this.schedule(0);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  get isLoaded(): boolean {
    return this.loaded !== null;
  }

  /** Loads (creating on first start) the key set. Exposed for tests and start-up. */
  async ensureLoaded(): Promise<void> {
    let set = await this.repository.load();
    if (!set) {
      const created = await generateKeySet(Date.now());
      const won = await this.repository.createIfAbsent(created);
      set = won ? created : await this.repository.load();
      if (!set) throw new Error('signing key set vanished right after it was created');
      if (won) this.logger.info({ kid: set.currentKid }, 'generated the signing key set');
    }
    const previousKid = this.loaded?.currentKid;
    this.loaded = await importKeySet(set);
    this.lastReloadAt = Date.now();
    if (previousKid !== this.loaded.currentKid)
      this.logger.info({ kid: this.loaded.currentKid }, 'signing key loaded');
  }

  /** The key that signs new tokens. */
  current(): { kid: string; key: CryptoKey } {
    const loaded = this.requireLoaded();
    return { kid: loaded.currentKid, key: loaded.signingKey };
  }

  /** The public key for a token's `kid`, re-reading the shared set once if it is unknown here. */
  async publicKey(kid: string | undefined): Promise<CryptoKey | null> {
    if (!kid) return null;
    const known = this.requireLoaded().publicKeys.get(kid);
    if (known) return known;
    if (Date.now() - this.lastReloadAt >= UNKNOWN_KID_RELOAD_MS) await this.reload();
    return this.loaded?.publicKeys.get(kid) ?? null;
  }

  /** Every published public key, for `/.well-known/jwks.json`. */
  jwks(): PublishedJwk[] {
    return this.requireLoaded().jwks;
  }

  private requireLoaded(): LoadedKeys {
    if (!this.loaded) throw new DomainException('UNAVAILABLE', 'Signing keys are not loaded yet');
    return this.loaded;
  }

  private reload(): Promise<void> {
    // Concurrent callers share one read.
    this.reloading ??= this.ensureLoaded().finally(() => (this.reloading = null));
    return this.reloading;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.reload().then(
        () => this.schedule(RELOAD_INTERVAL_MS),
        (err: unknown) => {
          this.logger.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'cannot load signing keys yet',
          );
          this.schedule(this.loaded ? RELOAD_INTERVAL_MS : RETRY_MS);
        },
      );
    }, delayMs);
    this.timer.unref();
  }
}

/** A fresh key set holding one new Ed25519 key. */
export async function generateKeySet(now: number): Promise<SigningKeySet> {
  const key = await generateSigningKey(now);
  return { version: 1, currentKid: key.kid, keys: [key] };
}

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

async function importKeySet(set: SigningKeySet): Promise<LoadedKeys> {
  const publicKeys = new Map<string, CryptoKey>();
  const jwks: PublishedJwk[] = [];
  let signingKey: CryptoKey | null = null;
  for (const k of set.keys) {
    publicKeys.set(k.kid, (await importJWK(k.publicJwk, ACCESS_TOKEN_ALG)) as CryptoKey);
    jwks.push({ ...k.publicJwk, kid: k.kid, alg: ACCESS_TOKEN_ALG, use: 'sig' });
    if (k.kid === set.currentKid) signingKey = (await importJWK(k.privateJwk, ACCESS_TOKEN_ALG)) as CryptoKey;
  }
  if (!signingKey) throw new Error('current signing key missing from the key set');
  return { currentKid: set.currentKid, signingKey, publicKeys, jwks };
}
