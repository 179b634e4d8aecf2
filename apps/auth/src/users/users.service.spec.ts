import pino from 'pino';
import { DomainException } from '@danmaku/platform';
import type { SessionsService } from '../sessions/sessions.service';
import type { PasswordHasher } from './password-hasher';
import type { UserRepository } from './user.repository';
import type { AccountRole, StoredUser } from './user.schema';
import { UsersService } from './users.service';

/** In-memory accounts with the repository's atomic, case-insensitive name index. */
class FakeUsers {
  byId = new Map<string, StoredUser>();
  byName = new Map<string, string>();
  async create(u: StoredUser): Promise<boolean> {
    await Promise.resolve();
    const key = u.username.toLowerCase();
    if (this.byName.has(key)) return false;
    this.byName.set(key, u.userId);
    this.byId.set(u.userId, { ...u });
    return true;
  }
  async usernameExists(name: string): Promise<boolean> {
    return this.byName.has(name.toLowerCase());
  }
  async findByUsername(name: string): Promise<StoredUser | null> {
    const id = this.byName.get(name.toLowerCase());
    return id ? { ...(this.byId.get(id) as StoredUser) } : null;
  }
  async findById(id: string): Promise<StoredUser | null> {
    const u = this.byId.get(id);
    return u ? { ...u } : null;
  }
  async setRole(id: string, role: AccountRole): Promise<AccountRole | null> {
    const u = this.byId.get(id);
    if (!u) return null;
    const previous = u.role;
    u.role = role;
    return previous;
  }
  async setPasswordHash(id: string, hash: string): Promise<void> {
    (this.byId.get(id) as StoredUser).passwordHash = hash;
  }
}

/** Fast stand-in for argon2: `h(<password>)`. */
const hasher = {
  hash: async (p: string) => `h(${p})`,
  verify: jest.fn(async (stored: string | null, p: string) => stored !== null && stored === `h(${p})`),
  needsRehash: (stored: string) => stored.startsWith('old:'),
} as unknown as PasswordHasher & { verify: jest.Mock };

function setup() {
  const repo = new FakeUsers();
  const sessions = { revokeAllOf: jest.fn(async () => 2) };
  const service = new UsersService(
    repo as unknown as UserRepository,
    hasher,
    sessions as unknown as SessionsService,
    pino({ level: 'silent' }),
  );
  return { repo, sessions, service };
}

describe('UsersService', () => {
  beforeEach(() => hasher.verify.mockClear());

  it('creates accounts with a UUIDv7 id, nickname defaulting to the username, role user', async () => {
    const { service, repo } = setup();
    const user = await service.create({ username: 'Alice', password: 'secret-1' });
    expect(user).toEqual({ userId: expect.any(String), username: 'Alice', nickname: 'Alice', role: 'user' });
    expect(user.userId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(repo.byId.get(user.userId)?.passwordHash).toBe('h(secret-1)');
  });

  it('refuses a taken username in any letter case, also when two race', async () => {
    const { service } = setup();
    await service.create({ username: 'Alice', password: 'secret-1' });
    await expect(service.create({ username: 'aLICE', password: 'secret-2' })).rejects.toMatchObject({
      code: 'USERNAME_TAKEN',
    });
    const results = await Promise.allSettled([
      service.create({ username: 'Bob', password: 'secret-1' }),
      service.create({ username: 'bob', password: 'secret-2' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'USERNAME_TAKEN' },
    });
  });

  it('authenticates against a dummy hash when the username is unknown', async () => {
    const { service } = setup();
    await expect(service.authenticate('ghost', 'whatever')).resolves.toBeNull();
    expect(hasher.verify).toHaveBeenCalledWith(null, 'whatever');
  });

  it('authenticates case-insensitively and upgrades old hashes', async () => {
    const { service, repo } = setup();
    const created = await service.create({ username: 'Carol', password: 'secret-1' });
    await expect(service.authenticate('carol', 'wrong')).resolves.toBeNull();
    await expect(service.authenticate('CAROL', 'secret-1')).resolves.toMatchObject({
      userId: created.userId,
    });
    (repo.byId.get(created.userId) as StoredUser).passwordHash = 'old:x';
    hasher.verify.mockResolvedValueOnce(true);
    await service.authenticate('carol', 'secret-1');
    expect(repo.byId.get(created.userId)?.passwordHash).toBe('h(secret-1)');
  });

  it('changes roles, 404 for unknown users, and revokes sessions when admin is taken away', async () => {
    const { service, sessions } = setup();
    const u = await service.create({ username: 'Dave', password: 'secret-1' });
    await expect(service.setRole(u.userId, 'admin')).resolves.toMatchObject({ role: 'admin' });
    expect(sessions.revokeAllOf).not.toHaveBeenCalled();
    await expect(service.setRole(u.userId, 'user')).resolves.toMatchObject({
      role: 'user',
      username: 'Dave',
    });
    expect(sessions.revokeAllOf).toHaveBeenCalledWith(u.userId, 'role_change');
    const err = await service.setRole('nobody', 'admin').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainException);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('ensures the admin account idempotently, across restarts and racing instances', async () => {
    const { service, repo } = setup();
    await Promise.all([service.ensureAdmin('root', 'rootpass1'), service.ensureAdmin('root', 'rootpass1')]);
    await service.ensureAdmin('root', 'changed-in-env');
    expect(repo.byId.size).toBe(1);
    const admin = await repo.findByUsername('root');
    expect(admin).toMatchObject({ role: 'admin', passwordHash: 'h(rootpass1)' });
  });

  it('promotes an existing account named like the configured admin', async () => {
    const { service, repo } = setup();
    await service.create({ username: 'Root', password: 'secret-1' });
    await service.ensureAdmin('root', 'rootpass1');
    expect(await repo.findByUsername('root')).toMatchObject({ role: 'admin', passwordHash: 'h(secret-1)' });
  });
});
