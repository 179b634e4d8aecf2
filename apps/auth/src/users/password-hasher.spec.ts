import { MetricsService } from '@danmaku/platform';
import { AuthMetrics } from '../metrics/auth-metrics.service';
import { PasswordHasher } from './password-hasher';

describe('PasswordHasher (real argon2)', () => {
  const hasher = new PasswordHasher(new AuthMetrics(new MetricsService()));
  beforeAll(() => hasher.onModuleInit());

  it('hashes with argon2id and a per-hash salt', async () => {
    const [a, b] = await Promise.all([hasher.hash('correct horse'), hasher.hash('correct horse')]);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
    expect(a).not.toBe(b);
    expect(hasher.needsRehash(a)).toBe(false);
  });

  it('verifies the right password only', async () => {
    const hash = await hasher.hash('correct horse');
    await expect(hasher.verify(hash, 'correct horse')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'correct horsE')).resolves.toBe(false);
  });

  it('never accepts anything when there is no account (dummy hash)', async () => {
    await expect(hasher.verify(null, 'dummy password for unknown users')).resolves.toBe(false);
    await expect(hasher.verify(null, 'whatever')).resolves.toBe(false);
  });

  it('treats a malformed stored hash as a wrong password', async () => {
    await expect(hasher.verify('not-a-hash', 'x')).resolves.toBe(false);
  });

  it('normalises Unicode so composed and decomposed accents match', async () => {
    const hash = await hasher.hash('caf\u00e9 au lait');
    await expect(hasher.verify(hash, 'cafe\u0301 au lait')).resolves.toBe(true);
  });

  it('asks for a rehash of weaker or non-argon2id hashes', () => {
    expect(hasher.needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo')).toBe(true);
    expect(hasher.needsRehash('$argon2i$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo')).toBe(true);
  });
});
