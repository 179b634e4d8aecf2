import { BLOCKLIST } from '../testing/blocklist';
import { INNOCENT_SENTENCES, SCUNTHORPE_CASES, TRANSFORM_CLASSES, evasionCases } from '../testing/corpus';
import { canonicalTerm, compileTerms, fingerprint } from './matcher';

const matcherOf = (...terms: string[]) => compileTerms(terms.map((term, i) => ({ id: `t${i}`, term })));
const hit = (terms: string[], text: string) => matcherOf(...terms).match(text)?.term ?? null;

describe('normalization, one transformation class at a time', () => {
  const m = matcherOf('shit', 'spam', 'bad word');
  it.each([
    ['case', 'ShIT', 'shit'],
    ['width (full-width forms)', 'ｓｈｉｔ', 'shit'],
    ['styled letters (math bold, circled)', '𝐬𝐡𝐢𝐭 and ⓢⓟⓐⓜ', 'shit'],
    ['accents (composed)', 'shït', 'shit'],
    ['accents (decomposed)', 's\u0301h\u0308i\u0300t', 'shit'],
    ['look-alikes (Cyrillic)', 'ѕһіт', 'shit'],
    ['look-alikes (Greek)', 'ѕπαm'.replace('π', 'p'), 'spam'],
    ['look-alikes (upper-case Cyrillic)', 'ЅНІТ', 'shit'],
    ['inserted spaces', 's h i t', 'shit'],
    ['inserted punctuation', 's.h.i.t', 'shit'],
    ['mixed separators', 's_h-i*t', 'shit'],
    ['zero-width characters', 's\u200bh\u200ci\u200dt', 'shit'],
    ['soft hyphen, word joiner, BOM, variation selector', 's\u00adh\u2060i\ufefft\ufe0f', 'shit'],
    ['repeated letters', 'shiiiiit', 'shit'],
    ['leetspeak digits', '5h1t', 'shit'],
    ['leetspeak symbols', '$h!t', 'shit'],
    ['phrases across white space', 'a BAD   word', 'bad word'],
    ['combined', 'Ｓ\u200b.һ\u200b.Ï\u200b.ｔｔｔ', 'shit'],
  ])('%s: %j', (_cls, text, term) => {
    expect(m.match(text)?.term).toBe(term);
  });

  it('maps a match back to the original characters', () => {
    const text = 'oh ｓ\u200bｈｉｔ!';
    const found = m.match(text);
    expect(found).toEqual({ termId: 't0', term: 'shit', start: 3, end: 8 });
    expect(text.slice(found?.start, found?.end)).toBe('ｓ\u200bｈｉｔ');
  });
});

describe('CJK and scripts without spaces', () => {
  it('matches Chinese terms inside running text, across spaces and symbols but not clause punctuation', () => {
    const m = matcherOf('傻逼', '去死');
    expect(m.match('你是傻逼吗')?.term).toBe('傻逼');
    expect(m.match('傻 逼')?.term).toBe('傻逼');
    expect(m.match('傻*逼')?.term).toBe('傻逼');
    expect(m.match('傻\u200b逼')?.term).toBe('傻逼');
    expect(m.match('你去死吧')?.term).toBe('去死');
    expect(m.match('我不去，死也不去')).toBeNull();
    expect(m.match('我不去。死也不去')).toBeNull();
  });

  it('folds full-width, half-width and katakana/hiragana forms of Japanese', () => {
    const m = matcherOf('バカ');
    expect(m.match('ﾊﾞｶじゃないの')?.term).toBe('バカ');
    expect(m.match('ばかやろう')?.term).toBe('バカ');
    // はか (no voicing mark) is another word.
    expect(m.match('はかせ')).toBeNull();
  });

  it('treats a Latin term inside CJK text as a word', () => {
    expect(hit(['sb'], '你是sb吗')).toBe('sb');
    expect(hit(['sb'], '你是ＳＢ吗')).toBe('sb');
    expect(hit(['sb'], 'sbx')).toBeNull();
  });

  it('matches Korean, Cyrillic and Greek terms in their own scripts', () => {
    expect(hit(['시발'], '아 시발 진짜')).toBe('시발');
    expect(hit(['блять'], 'ну БЛЯТЬ')).toBe('блять');
    expect(hit(['μαλάκα'], 'ρε ΜΑΛΑΚΑ')).toBe('μαλάκα');
  });
});

describe('the Scunthorpe problem', () => {
  it.each(SCUNTHORPE_CASES)('%j does not contain the word %j', (text, term) => {
    expect(hit([term], text)).toBeNull();
  });

  it('still finds the short terms as words, with their inflections', () => {
    expect(hit(['ass'], 'what an ass')).toBe('ass');
    expect(hit(['ass'], 'ASSES')).toBe('ass');
    expect(hit(['sex'], 'has sex')).toBe('sex');
    expect(hit(['cock'], 'cock-tail')).toBe('cock');
    expect(hit(['shit'], 'shits and shitting')).toBe('shit');
    expect(hit(['spammer'], 'spammers')).toBe('spammer');
    expect(hit(['rapist'], 'the rapist')).toBe('rapist');
  });

  it('lets a term opt into matching inside words with `*`', () => {
    expect(hit(['*fuck*'], 'motherfuckers')).toBe('*fuck*');
    expect(hit(['*shit'], 'bullshit')).toBe('*shit');
    expect(hit(['*shit'], 'shitake')).toBeNull();
    expect(hit(['ass*'], 'assassin')).toBe('ass*');
  });

  it('does not read doubled letters as elongation, but reads tripled ones', () => {
    expect(hit(['god'], 'good')).toBeNull();
    expect(hit(['god'], 'gooood')).toBe('god');
    expect(hit(['ass'], 'as')).toBeNull();
  });

  it('keeps numbers numbers: leetspeak applies only inside words with letters', () => {
    expect(hit(['ass', 'tit'], 'I have 455 points in room 717')).toBeNull();
    expect(hit(['ass'], 'a55')).toBe('ass');
    expect(hit(['1488'], 'lol 1488')).toBe('1488');
    expect(hit(['fuck'], 'fuck123')).toBe('fuck');
    expect(hit(['slut'], 's1ut')).toBe('slut');
    expect(hit(['idiot'], '!d!0t')).toBe('idiot');
    expect(hit(['wow'], 'wow!!!')).toBe('wow');
    // A term whose digits are digits matches them as written, even spelled out.
    expect(hit(['rule34'], 'r u l e 3 4')).toBe('rule34');
    expect(hit(['sub4sub'], 'SUB4SUB')).toBe('sub4sub');
    expect(hit(['b00b'], 'boob')).toBe('b00b');
  });

  it('passes ordinary chat through a realistic blocklist', () => {
    const m = compileTerms(BLOCKLIST.map((term, i) => ({ id: String(i), term })));
    const flagged = INNOCENT_SENTENCES.map((s) => [s, m.matchAll(s).map((x) => x.term)]).filter(
      ([, t]) => t.length > 0,
    );
    expect(flagged).toEqual([]);
  });
});

describe('the evasion corpus', () => {
  const terms = [
    'shit',
    'fuck',
    'spam',
    'asshole',
    'kill yourself',
    'free robux',
    'bitch',
    'cunt',
    'ass',
    '傻逼',
    'バカ',
  ];
  const m = compileTerms(terms.map((term) => ({ id: term, term })));
  const cases = evasionCases(terms, 11, 3);

  it('covers every transformation class', () => {
    expect(new Set(cases.map((c) => c.cls))).toEqual(new Set(TRANSFORM_CLASSES));
  });

  it.each(TRANSFORM_CLASSES)('finds every %s evasion', (cls) => {
    const found = (text: string, term: string) => m.matchAll(text).some((x) => x.termId === term);
    const missed = cases.filter((c) => c.cls === cls && !found(c.text, c.term)).map((c) => [c.term, c.text]);
    expect(missed).toEqual([]);
  });
});

describe('API', () => {
  it('returns every match with matchAll, once each', () => {
    const m = matcherOf('spam', 'eggs', 'spam eggs');
    const all = m.matchAll('spam and eggs, spam eggs').map((x) => [x.term, x.start, x.end] as const);
    expect(all.sort((a, b) => a[2] - b[2] || a[1] - b[1])).toEqual([
      ['spam', 0, 4],
      ['eggs', 9, 13],
      ['spam', 15, 19],
      ['spam eggs', 15, 24],
      ['eggs', 20, 24],
    ]);
  });

  it('ignores terms with nothing to match and matches nothing without terms', () => {
    const m = matcherOf('   ', '***', '!!!', 'ok');
    expect(m.size).toBe(1);
    expect(compileTerms([]).match('anything')).toBeNull();
    expect(compileTerms([]).matchAll('anything')).toEqual([]);
  });

  it('gives equal canonical forms to terms that block the same thing', () => {
    expect(canonicalTerm(' ＳＰＡＭ ')).toBe('spam');
    expect(canonicalTerm('s p a m')).toBe(canonicalTerm('spam'));
    expect(canonicalTerm('ѕраm')).toBe('spam');
    expect(canonicalTerm('*spam*')).toBe('*spam*');
    expect(canonicalTerm('b00b')).toBe('boob');
    expect(canonicalTerm('baad')).not.toBe(canonicalTerm('bad'));
    expect(canonicalTerm(' * ')).toBe('');
  });

  it('fingerprints texts for duplicate detection', () => {
    expect(fingerprint('Héllo,   WORLD!!')).toBe('hello world');
    expect(fingerprint('ｈｅｌｌｏ\u200b world')).toBe('hello world');
    expect(fingerprint('!!!')).toBe('!!!');
    expect(fingerprint('???')).not.toBe(fingerprint('!!!'));
  });

  it('compiles 10,000 terms in well under a second and matches them in microseconds', () => {
    const terms = Array.from({ length: 10_000 }, (_, i) => ({
      id: String(i),
      term: `w${i.toString(36)}x${(i * 7919).toString(36)}`,
    }));
    compileTerms(terms.slice(0, 500)); // warm-up: the JIT and the per-character cache
    const t0 = performance.now();
    const m = compileTerms(terms);
    const compileMs = performance.now() - t0;
    expect(m.size).toBe(10_000);
    expect(compileMs).toBeLessThan(1000);
    expect(m.match(`hey ${terms[1234].term} there`)?.termId).toBe('1234');
    const t1 = performance.now();
    for (let i = 0; i < 10_000; i++) m.match('a perfectly ordinary message of average length');
    expect((performance.now() - t1) / 10_000).toBeLessThan(0.2);
  });
});
