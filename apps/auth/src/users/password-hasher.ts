import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { AuthMetrics } from '../metrics/auth-metrics.service';

/** argon2id, m = 64 MiB, t = 3, p = 4 (the library defaults, above the OWASP minimum), pinned here. */
const COST = { memoryCost: 65_536, timeCost: 3, parallelism: 4 } as const;
const OPTIONS = { type: argon2.argon2id, ...COST } as const;

/**
 * Password hashing. Passwords are NFKC-normalised first so the same password typed on
 * different keyboards/OSes (composed vs decomposed accents) hashes the same.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly metrics: AuthMetrics) {}

  onModuleInit(): void {
    this.dummyHash = argon2.hash('dummy password for unknown users', OPTIONS);
  }

  async hash(password: string): Promise<string> {
    const done = this.metrics.timePassword('hash');
    try {
      return await argon2.hash(password.normalize('NFKC'), OPTIONS);
    } finally {
      done();
    }
  }

  /**
   * Checks a password against a stored hash, or against a dummy hash of the same cost
   * when there is no account, so a login takes as long for an unknown username as for a
   * wrong password and timing does not tell which usernames exist.
   */
  async verify(storedHash: string | null, password: string): Promise<boolean> {
    this.dummyHash ??= argon2.hash('dummy password for unknown users', OPTIONS);
    const hash = storedHash ?? (await this.dummyHash);
    const done = this.metrics.timePassword('verify');
    try {
      const ok = await argon2.verify(hash, password.normalize('NFKC'));
      return ok && storedHash !== null;
    } catch {
      // A malformed stored hash must not turn into a 500 or a way in.
      return false;
    } finally {
      done();
    }
  }

  /** True when a stored hash was made with weaker/other parameters than today's. */
  needsRehash(storedHash: string): boolean {
    try {
      return !storedHash.startsWith('$argon2id$') || argon2.needsRehash(storedHash, COST);
    } catch {
      return false;
    }
  }
}
