import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@danmaku/platform';
import {
  KeySetSealedError,
  isPlaintextKeySet,
  loadKeyEncryptionKey,
  openKeySet,
  sealKeySet,
} from './key-encryption';

const kekText = () => randomBytes(32).toString('base64');

describe('key-encryption key', () => {
  it('is required in production, with a message that says how to make one', () => {
    expect(() => loadKeyEncryptionKey({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadKeyEncryptionKey({ NODE_ENV: 'production' })).toThrow(
      /AUTH_KEK: required when NODE_ENV=production .*openssl rand -base64 32/,
    );
  });

  it('must be 32 bytes of base64 (or base64url)', () => {
    expect(() => loadKeyEncryptionKey({ AUTH_KEK: 'short' })).toThrow(/AUTH_KEK: must be 32 bytes/);
    const url = randomBytes(32).toString('base64url');
    expect(loadKeyEncryptionKey({ NODE_ENV: 'production', AUTH_KEK: url }).key).toHaveLength(32);
  });

  it('in development is generated once into the data folder (mode 600) and reused', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kek-')), '.data', 'auth-kek');
    const first = loadKeyEncryptionKey({ AUTH_KEK_FILE: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadKeyEncryptionKey({ AUTH_KEK_FILE: file, NODE_ENV: 'test' }).id).toBe(first.id);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toEqual(Buffer.from(first.key));
  });
});

describe('sealed key set', () => {
  const kek = loadKeyEncryptionKey({ AUTH_KEK: kekText() });
  const doc = JSON.stringify({ version: 1, keys: [{ privateJwk: { d: 'the-private-part' } }] });

  it('holds no plaintext and opens with its KEK', async () => {
    const sealed = await sealKeySet(doc, kek);
    expect(sealed).not.toContain('the-private-part');
    expect(isPlaintextKeySet(sealed)).toBe(false);
    expect(isPlaintextKeySet(doc)).toBe(true);
    expect(await openKeySet(sealed, kek)).toBe(doc);
  });

  it('refuses another KEK, naming both ids', async () => {
    const other = loadKeyEncryptionKey({ AUTH_KEK: kekText() });
    const sealed = await sealKeySet(doc, kek);
    await expect(openKeySet(sealed, other)).rejects.toThrow(KeySetSealedError);
    await expect(openKeySet(sealed, other)).rejects.toThrow(
      new RegExp(
        `encrypted with another key-encryption key \\(id ${kek.id}; this AUTH_KEK is ${other.id}\\)`,
      ),
    );
  });

  it('refuses a tampered document', async () => {
    const [h, k, iv, ct, tag] = (await sealKeySet(doc, kek)).split('.');
    const flipped = ct.startsWith('A') ? `B${ct.slice(1)}` : `A${ct.slice(1)}`;
    await expect(openKeySet([h, k, iv, flipped, tag].join('.'), kek)).rejects.toThrow(/does not decrypt/);
    await expect(openKeySet('garbage', kek)).rejects.toThrow(KeySetSealedError);
  });
});
