import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import type { AuditEntry } from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';
import { modKeys } from '../common/moderation-keys';
import { parseStored } from '../common/redis-json';
import { storedAuditEntrySchema } from '../common/stored-shapes';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    modAudit(auditKey: string, seqKey: string, json: string): Result<number, Context>;
  }
}

// Scores come from a per-log counter, so they only grow: a cursor (a score) keeps its
// place however many entries arrive after it.
const APPEND_LUA = `
local s = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], s, ARGV[1])
return s
`;

/** Audit logs, one per room plus the site-wide one (`null` roomId, stored under `_site`). */
@Injectable()
export class AuditRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {
    this.redis.defineCommand('modAudit', { numberOfKeys: 2, lua: APPEND_LUA });
  }

  async append(roomId: string | null, entry: AuditEntry): Promise<void> {
    await this.redis.modAudit(modKeys.audit(roomId), modKeys.auditSeq(roomId), JSON.stringify(entry));
  }

  /** Newest first; entries strictly older than `before` (a cursor) when given. */
  async page(
    roomId: string | null,
    limit: number,
    before: number | null,
  ): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const max = before === null ? '+inf' : `(${before}`;
    const raw = await this.redis.zrevrangebyscore(
      modKeys.audit(roomId),
      max,
      '-inf',
      'WITHSCORES',
      'LIMIT',
      0,
      limit + 1,
    );
    const rows: { entry: AuditEntry | null; score: number }[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      rows.push({ entry: parseStored(storedAuditEntrySchema, raw[i]), score: Number(raw[i + 1]) });
    }
    const page = rows.slice(0, limit);
    const more = rows.length > limit;
    return {
      items: page.map((r) => r.entry).filter((e): e is AuditEntry => e !== null),
      nextCursor: more && page.length > 0 ? String(page[page.length - 1].score) : null,
    };
  }
}
