import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import type { BlockedTermView } from '@danmaku/contracts';
import { REDIS } from '@danmaku/platform';
import { newContextToken } from '../common/context-token';
import { modKeys } from '../common/moderation-keys';
import { parseStored } from '../common/redis-json';
import { execOrThrow } from '../common/redis-pipeline';
import { storedTermSchema } from '../common/stored-shapes';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    modAddTerm(
      termsKey: string,
      indexKey: string,
      versionKey: string,
      contextKey: string,
      canonical: string,
      termId: string,
      json: string,
      token: string,
    ): Result<string | null, Context>;
    modRemoveTerm(
      termsKey: string,
      indexKey: string,
      versionKey: string,
      contextKey: string,
      termId: string,
      token: string,
    ): Result<string | null, Context>;
  }
}

// Term set, duplicate index, version and the scope's context token (KEYS[4], ARGV: the new
// token last) change together, so a decision that sees a version also sees exactly that set.
// The version is that random token, not a counter: a counter starts again at 1 after Redis
// loses the key, and a moderation process would then take its cached set for the new one.
const ADD_TERM_LUA = `
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then return existing end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[4])
redis.call('SET', KEYS[4], ARGV[4])
return false
`;
const REMOVE_TERM_LUA = `
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return false end
local ok, t = pcall(cjson.decode, json)
if ok and type(t) == 'table' and type(t.canonical) == 'string' then
  if redis.call('HGET', KEYS[2], t.canonical) == ARGV[1] then redis.call('HDEL', KEYS[2], t.canonical) end
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SET', KEYS[4], ARGV[2])
return json
`;

/** Room (`roomId`) and site-wide (`null`) blocked terms. */
@Injectable()
export class BlockedTermsRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {
    this.redis.defineCommand('modAddTerm', { numberOfKeys: 4, lua: ADD_TERM_LUA });
    this.redis.defineCommand('modRemoveTerm', { numberOfKeys: 4, lua: REMOVE_TERM_LUA });
  }

  /** Adds the term unless one with the same canonical form exists; returns that one's id then. */
  async add(
    roomId: string | null,
    term: BlockedTermView,
    canonical: string,
  ): Promise<{ existingTermId: string | null }> {
    const existing = await this.redis.modAddTerm(
      modKeys.terms(roomId),
      modKeys.termIndex(roomId),
      modKeys.termsVersion(roomId),
      modKeys.context(roomId),
      canonical,
      term.termId,
      JSON.stringify({ ...term, canonical }),
      newContextToken(),
    );
    return { existingTermId: existing ?? null };
  }

  /** The removed term, or null when there was none with that id. */
  async remove(roomId: string | null, termId: string): Promise<BlockedTermView | null> {
    const json = await this.redis.modRemoveTerm(
      modKeys.terms(roomId),
      modKeys.termIndex(roomId),
      modKeys.termsVersion(roomId),
      modKeys.context(roomId),
      termId,
      newContextToken(),
    );
    const stored = parseStored(storedTermSchema, json);
    return stored ? toView(stored) : null;
  }

  /** Oldest first. */
  async list(roomId: string | null): Promise<BlockedTermView[]> {
    const raws = await this.redis.hvals(modKeys.terms(roomId));
    return raws
      .map((raw) => parseStored(storedTermSchema, raw))
      .filter((t) => t !== null)
      .map(toView)
      .sort((a, b) => a.createdAt - b.createdAt || a.termId.localeCompare(b.termId));
  }

  /** A scope's terms and the version they belong to, read atomically. */
  async termsWithVersion(roomId: string | null): Promise<{ version: string; terms: string[] }> {
    const [version, raws] = await execOrThrow(
      this.redis.multi().get(modKeys.termsVersion(roomId)).hvals(modKeys.terms(roomId)),
    );
    const terms = (raws as string[])
      .map((raw) => parseStored(storedTermSchema, raw)?.term)
      .filter((t): t is string => t !== undefined);
    return { version: (version as string | null) ?? '0', terms };
  }
}

function toView(t: { termId: string; term: string; createdAt: number; createdBy: string }): BlockedTermView {
  return { termId: t.termId, term: t.term, createdAt: t.createdAt, createdBy: t.createdBy };
}
