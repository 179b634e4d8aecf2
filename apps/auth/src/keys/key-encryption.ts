import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { ConfigError } from '@danmaku/platform';

/**
 * The key-encryption key (KEK) that seals auth's signing key set at rest: the set lives in
 * the Redis every app shares, so in plaintext any app (or anything reaching Redis) could
 * mint admin tokens. Sealed, Redis holds a JWE (`dir` + A256GCM) that only a holder of the
 * KEK, i.e. auth and its keys CLI, can open.
 */
export interface KeyEncryptionKey {
  /** 32 bytes, for A256GCM. */
  key: Uint8Array;
  /** Names the KEK in the JWE header and in errors, without revealing it (truncated SHA-256). */
  id: string;
  /** Where it came from, for the start-up log: `AUTH_KEK` or the development file. */
  source: string;
}

export const KEY_ENCRYPTION_KEY = Symbol('KEY_ENCRYPTION_KEY');

/** Where a development KEK is generated once and reused (the git-ignored data folder). */
export const DEFAULT_KEK_FILE = '.data/auth-kek';

const HOW_TO = 'generate one with `openssl rand -base64 32`';

const kekEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  AUTH_KEK: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  AUTH_KEK_FILE: z.string().min(1).default(DEFAULT_KEK_FILE),
});

/**
 * `AUTH_KEK` (32 bytes, base64 or base64url). Required when NODE_ENV=production; elsewhere,
 * when unset, read from `AUTH_KEK_FILE` (default `.data/auth-kek`), generated there on the
 * first start, so a development machine keeps one KEK across restarts.
 * @example
 * loadKeyEncryptionKey({ NODE_ENV: 'production', AUTH_KEK: 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=' }).id
 */
export function loadKeyEncryptionKey(env: NodeJS.ProcessEnv = process.env): KeyEncryptionKey {
  const parsed = kekEnvSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`));
  const { NODE_ENV, AUTH_KEK, AUTH_KEK_FILE } = parsed.data;
  if (AUTH_KEK !== undefined) return fromText(AUTH_KEK, 'AUTH_KEK', 'AUTH_KEK');
  if (NODE_ENV === 'production') {
    throw new ConfigError([
      `AUTH_KEK: required when NODE_ENV=production (the key that encrypts the signing keys in Redis; ${HOW_TO}) (not set)`,
    ]);
  }
  const file = resolve(AUTH_KEK_FILE);
  return fromText(readOrCreate(file), `AUTH_KEK_FILE (${file})`, `file ${file}`);
}

function fromText(text: string, name: string, source: string): KeyEncryptionKey {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigError([`${name}: must be 32 bytes in base64 (${HOW_TO})`]);
  return { key: new Uint8Array(key), id: kekId(key), source };
}

function kekId(key: Uint8Array): string {
  return createHash('sha256').update('danmaku-auth-kek:').update(key).digest('hex').slice(0, 16);
}

/** Concurrent first starts (two instances, tests) agree on one file: the loser of `wx` reads it. */
function readOrCreate(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return readFileSync(file, 'utf8');
}

/** The stored key set cannot be opened with this KEK: auth must not start (nor replace the keys). */
export class KeySetSealedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeySetSealedError';
  }
}

const CONTENT_TYPE = 'danmaku-signing-keys+json';

/** Seals a document (the key set's JSON) into a compact JWE: `dir`, A256GCM, `kid` = KEK id. */
export async function sealKeySet(json: string, kek: KeyEncryptionKey): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(json))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: kek.id, cty: CONTENT_TYPE })
    .encrypt(kek.key);
}

/** Opens a sealed key set; a JWE made with another KEK, or tampered with, is a KeySetSealedError. */
export async function openKeySet(jwe: string, kek: KeyEncryptionKey): Promise<string> {
  let sealedWith: unknown;
  try {
    sealedWith = decodeProtectedHeader(jwe).kid;
  } catch {
    throw new KeySetSealedError('the stored signing key set is neither a sealed key set nor JSON');
  }
  if (sealedWith !== kek.id) {
    throw new KeySetSealedError(
      `the signing key set in Redis is encrypted with another key-encryption key (id ${String(sealedWith)}; this AUTH_KEK is ${kek.id}): refusing to use or replace it. Start auth with the AUTH_KEK it was sealed with`,
    );
  }
  try {
    const { plaintext } = await compactDecrypt(jwe, kek.key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return new TextDecoder().decode(plaintext);
  } catch {
    throw new KeySetSealedError(
      `the signing key set in Redis does not decrypt with AUTH_KEK ${kek.id} (tampered with or corrupt): refusing to use or replace it`,
    );
  }
}

/** Whether a stored document is a plaintext key set from before sealing (JSON), to migrate. */
export function isPlaintextKeySet(raw: string): boolean {
  return raw.trimStart().startsWith('{');
}
