import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { APP_LOGGER, DomainException } from '@danmaku/platform';
import { SessionsService } from '../sessions/sessions.service';
import { PasswordHasher } from './password-hasher';
import { UserRepository } from './user.repository';
import type { UserAccount } from '@danmaku/contracts';
import { toUserAccount, type AccountRole, type StoredUser } from './user.schema';

export interface NewAccount {
  username: string;
  password: string;
  nickname?: string;
  role?: AccountRole;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /** Creates an account; `409 USERNAME_TAKEN` when the name is taken in any letter case. */
  async create(account: NewAccount): Promise<UserAccount> {
    // Cheap early answer before paying for a hash; the atomic create below still decides races.
    if (await this.users.usernameExists(account.username)) throw usernameTaken();
    const user: StoredUser = {
      userId: uuidv7(),
      username: account.username,
      nickname: account.nickname ?? account.username,
      role: account.role ?? 'user',
      passwordHash: await this.hasher.hash(account.password),
      createdAt: Date.now(),
    };
    if (!(await this.users.create(user))) throw usernameTaken();
    return toUserAccount(user);
  }

  /**
   * The account if the password is right, else null; costs the same whether or not the
   * username exists.
   */
  async authenticate(username: string, password: string): Promise<StoredUser | null> {
    const user = await this.users.findByUsername(username);
    const ok = await this.hasher.verify(user?.passwordHash ?? null, password);
    if (!user || !ok) return null;
    if (this.hasher.needsRehash(user.passwordHash)) {
      // Upgrade hashes made with older parameters while the plain password is at hand.
      await this.users.setPasswordHash(user.userId, await this.hasher.hash(password));
    }
    return user;
  }

  async get(userId: string): Promise<StoredUser | null> {
    return this.users.findById(userId);
  }

  /**
   * Changes an account's role. Taking admin away also revokes the account's sessions:
   * its access tokens say `admin` until they expire, and other apps trust that claim.
   */
  async setRole(userId: string, role: AccountRole): Promise<UserAccount> {
    const previous = await this.users.setRole(userId, role);
    if (previous === null) throw new DomainException('NOT_FOUND', 'No such user');
    if (previous === 'admin' && role !== 'admin') {
      const revoked = await this.sessions.revokeAllOf(userId, 'role_change');
      this.logger.info({ userId, revoked }, 'admin role removed; sessions revoked');
    }
    const user = await this.users.findById(userId);
    if (!user) throw new DomainException('NOT_FOUND', 'No such user');
    return toUserAccount(user);
  }

  /**
   * Makes sure the configured admin account exists with role admin. Safe to run on every
   * start of every instance: the account is created once (concurrent creators race on the
   * atomic name index), an existing one is only promoted, and its password is never
   * overwritten from the environment.
   */
  async ensureAdmin(username: string, password: string): Promise<void> {
    let user = await this.users.findByUsername(username);
    if (!user) {
      try {
        await this.create({ username, password, role: 'admin' });
        this.logger.info({ username }, 'admin account created');
        return;
      } catch (e) {
        if (!(e instanceof DomainException && e.code === 'USERNAME_TAKEN')) throw e;
        user = await this.users.findByUsername(username);
        if (!user) throw new Error('admin account vanished during start-up');
      }
    }
    if (user.role !== 'admin') {
      await this.users.setRole(user.userId, 'admin');
      this.logger.info({ username }, 'existing account promoted to admin');
    }
  }
}

function usernameTaken(): DomainException {
  return new DomainException('USERNAME_TAKEN', 'That username is taken');
}
