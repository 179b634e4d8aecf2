import { FilterTermMatcher } from './filter-term.matcher';

describe('FilterTermMatcher', () => {
  const matcher = new FilterTermMatcher();

  it('returns the first blocked term (as given) a text contains, despite disguises', () => {
    const terms = matcher.compile(['Spoiler', 'bad word']);
    expect(terms.size).toBe(2);
    expect(terms.firstMatch('huge ＳＰＯＩＬＥＲ here')).toBe('Spoiler');
    expect(terms.firstMatch('s.p.o.i.l.e.r')).toBe('Spoiler');
    expect(terms.firstMatch('a ѕроіlеr')).toBe('Spoiler');
    expect(terms.firstMatch('a BAD\u200b word')).toBe('bad word');
    expect(terms.firstMatch('spoilers')).toBe('Spoiler');
    expect(terms.firstMatch('unspoilered text, a bad sword')).toBeNull();
  });

  it('ignores terms with nothing to match', () => {
    expect(matcher.compile(['   ', '***']).size).toBe(0);
    expect(matcher.compile([]).firstMatch('anything')).toBeNull();
  });

  it('gives one canonical form to terms that block the same thing', () => {
    expect(matcher.canonical(' ＳＰＡＭ ')).toBe(matcher.canonical('s p a m'));
    expect(matcher.canonical('spam')).not.toBe(matcher.canonical('*spam'));
    expect(matcher.canonical('!!!')).toBe('');
  });

  it('fingerprints messages that say the same thing alike', () => {
    expect(matcher.fingerprint('ＳＡＭＥ text!')).toBe(matcher.fingerprint('same   TEXT'));
    expect(matcher.fingerprint('same text')).not.toBe(matcher.fingerprint('same texts'));
  });
});
