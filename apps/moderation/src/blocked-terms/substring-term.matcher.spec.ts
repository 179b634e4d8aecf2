import { SubstringTermMatcher, normalize } from './substring-term.matcher';

describe('SubstringTermMatcher', () => {
  const matcher = new SubstringTermMatcher();

  it('finds a term as a plain substring, ignoring case', () => {
    const terms = matcher.compile(['Spam']);
    expect(terms.firstMatch('buy SPAM now')).toBe('Spam');
    expect(terms.firstMatch('spammer')).toBe('Spam');
    expect(terms.firstMatch('sp am')).toBeNull();
  });

  it('matches full-width and compatibility forms (NFKC)', () => {
    const terms = matcher.compile(['bad']);
    expect(terms.firstMatch('ＢＡＤ')).toBe('bad');
    expect(terms.firstMatch('so ｂａｄ!')).toBe('bad');
    // The term itself may be written in full width too.
    expect(matcher.compile(['ｗｏｒｄ']).firstMatch('a WORD here')).toBe('ｗｏｒｄ');
  });

  it('matches non-Latin scripts and composed/decomposed accents alike', () => {
    expect(matcher.compile(['弹幕']).firstMatch('发弹幕啦')).toBe('弹幕');
    expect(matcher.compile(['café']).firstMatch('CAFE\u0301 au lait')).toBe('café');
    expect(matcher.compile(['ÄRGER']).firstMatch('so ein ärger')).toBe('ÄRGER');
  });

  it('returns the first listed term that matches and null without terms', () => {
    const terms = matcher.compile(['zzz', 'b', 'a']);
    expect(terms.firstMatch('a b')).toBe('b');
    expect(terms.size).toBe(3);
    expect(matcher.compile([]).firstMatch('anything')).toBeNull();
  });

  it('ignores terms that normalize to nothing', () => {
    const terms = matcher.compile(['   ', '']);
    expect(terms.size).toBe(0);
    expect(terms.firstMatch('text')).toBeNull();
  });

  it('gives equal canonical forms to terms that block the same thing', () => {
    expect(matcher.canonical(' ＳＰＡＭ ')).toBe(matcher.canonical('spam'));
    expect(normalize('Ⅻ')).toBe('xii');
  });
});
