import { cacheControl, etagMatches, sessionEtag } from './cache-policy';

describe('cache policy', () => {
  it('lets shared caches keep an ended session briefly, then revalidate; live ones always revalidate', () => {
    expect(cacheControl(true, 60)).toBe('public, max-age=60, must-revalidate');
    expect(cacheControl(true, 0)).toBe('no-cache');
    expect(cacheControl(false, 60)).toBe('no-cache');
  });

  it('derives a strong ETag from the session version', () => {
    expect(sessionEtag('1732000000000123')).toBe('"r1-1732000000000123"');
    expect(sessionEtag(null)).toBe('"r1-0"');
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    const tag = sessionEtag('5');
    expect(etagMatches(tag, tag)).toBe(true);
    expect(etagMatches(`"a", W/${tag}`, tag)).toBe(true);
    expect(etagMatches('*', tag)).toBe(true);
    expect(etagMatches('"r1-4"', tag)).toBe(false);
    expect(etagMatches('r1-5', tag)).toBe(false);
    expect(etagMatches(undefined, tag)).toBe(false);
    expect(etagMatches('', tag)).toBe(false);
  });
});
