import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '@danmaku/platform';
import { modKeys } from '../common/moderation-keys';

/** Room moderators: `mod:room:{roomId}:moderators`, a set of userIds. */
@Injectable()
export class ModeratorsRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async isModerator(roomId: string, userId: string): Promise<boolean> {
    return (await this.redis.sismember(modKeys.moderators(roomId), userId)) === 1;
  }

  /** True when the user was not a moderator before. */
  async add(roomId: string, userId: string): Promise<boolean> {
    return (await this.redis.sadd(modKeys.moderators(roomId), userId)) === 1;
  }

  /** True when the user was a moderator. */
  async remove(roomId: string, userId: string): Promise<boolean> {
    return (await this.redis.srem(modKeys.moderators(roomId), userId)) === 1;
  }

  async list(roomId: string): Promise<string[]> {
    return (await this.redis.smembers(modKeys.moderators(roomId))).sort();
  }
}
