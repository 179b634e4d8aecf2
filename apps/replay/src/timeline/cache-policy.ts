/**
 * HTTP caching of session answers (pages and density).
 *
 * An ended session is not immutable (a moderator may still retract a message), so it is
 * never `immutable`: shared caches keep it `maxAgeSec`, then must revalidate. Live sessions
 * are always revalidated. Revalidation is cheap either way: the ETag is the session's
 * version, which ingest and retraction bump atomically with the data, so a matching
 * `If-None-Match` is answered 304 from one small read, without touching the timeline.
 */
export function cacheControl(ended: boolean, maxAgeSec: number): string {
  return ended && maxAgeSec > 0 ? `public, max-age=${maxAgeSec}, must-revalidate` : 'no-cache';
}

/**
 * Bump when the JSON of a session answer changes shape for the same stored data, so caches
 * holding the old shape are not told it is still current.
 */
const REPRESENTATION = 'r1';

/**
 * Strong ETag of a session's pages and density: equal versions mean byte-identical answers
 * for the same URL. `version` is null before the session's first stored danmaku.
 */
export function sessionEtag(version: string | null): string {
  return `"${REPRESENTATION}-${version ?? '0'}"`;
}

/** `If-None-Match` semantics (RFC 9110 §13.1.2): a list of tags or `*`, weak comparison. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || opaque(t) === opaque(etag));
}

/** What a session route answers: the body, or null when the client's copy is current (304). */
export interface SessionAnswer<T> {
  body: T | null;
  etag: string;
  ended: boolean;
}
