/**
 * Cache-Control for a replay answer. An ended session's data only changes through a rare
 * retraction, so shared caches may keep it briefly; anything live must be revalidated
 * (Express adds a weak ETag, so a revalidation is a cheap 304).
 */
export function cacheControl(ended: boolean, maxAgeSec: number): string {
  return ended && maxAgeSec > 0 ? `public, max-age=${maxAgeSec}` : 'no-cache';
}
