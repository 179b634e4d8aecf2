import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { APP_LOGGER, REDIS } from '@danmaku/platform';
import { orUnavailable } from '../common/unavailable';
import { storedUserSchema, type AccountRole, type StoredUser } from './user.schema';

/** Private keys of the users feature. */
export const userKeys = {
  /** HASH StoredUser. */
  user: (userId: string) => `auth:user:${userId}`,
  /** STRING userId, by lower-cased username: the unique, case-insensitive name index. */
  username: (username: string) => `auth:username:${username.toLowerCase()}`,
} as const;

// Index and record in one step: two concurrent registrations of one name cannot both
// win, and a crash cannot leave an index entry without its account.
const CREATE_LUA = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV, 2))
return 1
`;

// Only an existing account changes role; answers the previous role (nil: no such account).
const SET_ROLE_LUA = `
local previous = redis.call('HGET', KEYS[1], 'role')
if not previous then return nil end
redis.call('HSET', KEYS[1], 'role', ARGV[1])
return previous
`;

type CreateCommand = (
  usernameKey: string,
  userKey: string,
  userId: string,
  ...fields: string[]
) => Promise<number>;
type SetRoleCommand = (userKey: string, role: string) => Promise<string | null>;

@Injectable()
export class UserRepository {
  private readonly createCommand: CreateCommand;
  private readonly setRoleCommand: SetRoleCommand;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {
    this.redis.defineCommand('authCreateUser', { numberOfKeys: 2, lua: CREATE_LUA });
    this.redis.defineCommand('authSetRole', { numberOfKeys: 1, lua: SET_ROLE_LUA });
    const client = this.redis as unknown as { authCreateUser: CreateCommand; authSetRole: SetRoleCommand };
    this.createCommand = client.authCreateUser.bind(this.redis);
    this.setRoleCommand = client.authSetRole.bind(this.redis);
  }

  /** False when the username (case-insensitively) is taken. */
  async create(user: StoredUser): Promise<boolean> {
    const fields = Object.entries(user).flatMap(([k, v]) => [k, String(v)]);
    const created = await orUnavailable(this.logger, 'user.create', () =>
      this.createCommand(
        userKeys.username(user.username),
        userKeys.user(user.userId),
        user.userId,
        ...fields,
      ),
    );
    return created === 1;
  }

  async usernameExists(username: string): Promise<boolean> {
    const n = await orUnavailable(this.logger, 'user.name-exists', () =>
      this.redis.exists(userKeys.username(username)),
    );
    return n === 1;
  }

  async findByUsername(username: string): Promise<StoredUser | null> {
    const userId = await orUnavailable(this.logger, 'user.by-name', () =>
      this.redis.get(userKeys.username(username)),
    );
    return userId === null ? null : this.findById(userId);
  }

  async findById(userId: string): Promise<StoredUser | null> {
    const hash = await orUnavailable(this.logger, 'user.by-id', () =>
      this.redis.hgetall(userKeys.user(userId)),
    );
    if (Object.keys(hash).length === 0) return null;
    return storedUserSchema.parse(hash);
  }

  /** The previous role, or null when there is no such account. */
  async setRole(userId: string, role: AccountRole): Promise<AccountRole | null> {
    const previous = await orUnavailable(this.logger, 'user.set-role', () =>
      this.setRoleCommand(userKeys.user(userId), role),
    );
    return previous === null ? null : (previous as AccountRole);
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await orUnavailable(this.logger, 'user.set-password', () =>
      this.redis.hset(userKeys.user(userId), 'passwordHash', passwordHash),
    );
  }
}
