/**
 * Evasion and innocent corpora shared by the filter's unit tests and its benchmark
 * (`bench/filter`). Evasions are generated from a term with a seeded random source, so a
 * run is repeatable; the look-alike table is written by hand (not derived from the
 * engine's data) so the tests check the engine against what attackers type.
 */

/** Deterministic PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const chars = (s: string): string[] => [...s];
const isLatinLetter = (c: string): boolean => /^[a-z]$/i.test(c);

/** Letters of other scripts that render like Latin ones (Cyrillic, Greek, Armenian…). */
export const LOOKALIKES: Record<string, string[]> = {
  a: ['а', 'α', 'ɑ'],
  b: ['Ь', 'Ƅ'],
  c: ['с', 'ϲ'],
  d: ['ԁ'],
  e: ['е', 'ҽ'],
  g: ['ɡ'],
  h: ['һ', 'Н'],
  i: ['і', 'ι', 'ı', 'ӏ'],
  j: ['ј'],
  k: ['κ', 'К'],
  // `ӏ` (palochka) passes for both `l` and `I`; confusables.txt lists it as `i`.
  l: ['ⅼ', 'ℓ'],
  m: ['М'],
  n: ['ո'],
  o: ['о', 'ο', 'օ'],
  p: ['р', 'ρ'],
  q: ['ԛ'],
  r: ['г'],
  s: ['ѕ'],
  t: ['Т', 'τ'],
  u: ['υ', 'ս'],
  v: ['ν', 'ѵ'],
  w: ['ԝ', 'ѡ'],
  x: ['х', 'χ'],
  y: ['у', 'ү'],
  z: ['ᴢ'],
};

const ACCENTS = ['\u0301', '\u0300', '\u0308', '\u0302', '\u0303', '\u030c', '\u0327'];
const INVISIBLES = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\ufe0f', '\u180e'];
const JOINERS = ['.', '-', '_', '*', '/', '|', '~', '•', '+', "'"];
const LEET: Record<string, string[]> = {
  a: ['4', '@'],
  e: ['3'],
  i: ['1', '!'],
  o: ['0'],
  s: ['5', '$'],
  t: ['7'],
};

/** One way of disguising a term; `null` when it does not apply to this term. */
export type Transform = (term: string, rand: Rand) => string | null;

const latinOnly = (term: string): boolean => /^[a-z ]+$/i.test(term);
const eachLetter = (term: string, f: (c: string, i: number) => string): string => chars(term).map(f).join('');
const spread = (term: string, sep: () => string): string =>
  term
    .split(' ')
    .map((word) => chars(word).join(sep()))
    .join(' ');

export const TRANSFORMS: Record<string, Transform> = {
  case: (t, r) => {
    if (!latinOnly(t)) return null;
    let out = eachLetter(t, (c) => (r() < 0.5 ? c.toUpperCase() : c.toLowerCase()));
    if (out === t) out = t.toUpperCase();
    return out;
  },
  width: (t) =>
    eachLetter(t, (c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)),
  styled: (t, r) => {
    if (!latinOnly(t)) return null;
    // Mathematical bold / italic / double-struck, circled, or parenthesized letters.
    const style = pick(r, [0x1d41a, 0x1d44e, 0x1d552, 0x24d0]);
    return eachLetter(t, (c) => {
      if (!/[a-z]/.test(c)) return c;
      const i = c.charCodeAt(0) - 97;
      // A few italic and double-struck letters live elsewhere; keep those plain.
      const cp = style + i;
      return cp === 0x1d455 || cp === 0x1d556 || cp === 0x1d55a ? c : String.fromCodePoint(cp);
    });
  },
  accents: (t, r) => {
    if (!latinOnly(t)) return null;
    const composed = eachLetter(t, (c) =>
      isLatinLetter(c) && r() < 0.6 ? c + pick(r, ACCENTS) : c,
    ).normalize(r() < 0.5 ? 'NFC' : 'NFD');
    return composed === t ? `${t[0]}\u0301${t.slice(1)}` : composed;
  },
  lookalikes: (t, r) => {
    if (!latinOnly(t)) return null;
    let swapped = 0;
    const out = eachLetter(t, (c) => {
      const alts = LOOKALIKES[c.toLowerCase()];
      if (!alts || r() < 0.3) return c;
      swapped++;
      return pick(r, alts);
    });
    if (swapped > 0) return out;
    const i = chars(t).findIndex((c) => LOOKALIKES[c.toLowerCase()]);
    return i < 0 ? null : t.slice(0, i) + LOOKALIKES[t[i].toLowerCase()][0] + t.slice(i + 1);
  },
  spaces: (t) => spread(t, () => ' '),
  punctuation: (t, r) => {
    const sep = pick(r, JOINERS);
    return spread(t, () => (r() < 0.2 ? pick(r, JOINERS) : sep));
  },
  invisible: (t, r) => spread(t, () => pick(r, INVISIBLES)),
  repeated: (t, r) => {
    const cs = chars(t);
    const letters = cs.map((c, i) => (/\p{L}/u.test(c) ? i : -1)).filter((i) => i >= 0);
    if (letters.length === 0) return null;
    const i = pick(r, letters);
    return cs.map((c, k) => (k === i ? c.repeat(3 + Math.floor(r() * 4)) : c)).join('');
  },
  leet: (t, r) => {
    if (!latinOnly(t)) return null;
    const cs = chars(t.toLowerCase());
    const candidates = cs.map((c, i) => (LEET[c] ? i : -1)).filter((i) => i >= 0);
    // A word made of digits only stays a number (`455` is not `ass`): keep one letter.
    if (candidates.length === 0 || cs.filter((c) => /[a-z]/.test(c)).length < 2) return null;
    const keep = candidates.length === cs.filter((c) => /[a-z]/.test(c)).length ? pick(r, candidates) : -1;
    let changed = 0;
    const out = cs.map((c, i) => {
      if (!LEET[c] || i === keep || (changed > 0 && r() < 0.4)) return c;
      changed++;
      return pick(r, LEET[c]);
    });
    return out.join('');
  },
  combined: (t, r) => {
    // Three disguises stacked, in the order an attacker would apply them.
    const steps = ['lookalikes', 'case', 'width', 'accents', 'invisible', 'repeated', 'punctuation'];
    const chosen = steps.filter(() => r() < 0.5).slice(0, 3);
    if (chosen.length < 2) chosen.splice(0, chosen.length, 'lookalikes', 'invisible');
    let out = t;
    for (const step of chosen) {
      // Repeating after inserting separators would repeat a separator: repeat first.
      const next = TRANSFORMS[step](out, r);
      if (next !== null) out = next;
    }
    return out === t ? null : out;
  },
};

export const TRANSFORM_CLASSES = Object.keys(TRANSFORMS);

/** Sentences an evasion is placed in (the term is one word of them). */
const FRAMES = [
  '{}',
  'you are such a {} lol',
  '{}!!!',
  'lmao {} haha',
  'what a {}.',
  '"{}"',
  '我觉得{}了',
  '(({}))',
];

export interface EvasionCase {
  cls: string;
  term: string;
  text: string;
}

/** Every applicable transform of every term, each placed in a sentence; repeatable per seed. */
export function evasionCases(terms: readonly string[], seed = 7, perClass = 1): EvasionCase[] {
  const rand = seededRandom(seed);
  const out: EvasionCase[] = [];
  for (const term of terms) {
    for (const cls of TRANSFORM_CLASSES) {
      for (let n = 0; n < perClass; n++) {
        const disguised = TRANSFORMS[cls](term, rand);
        if (disguised === null) continue;
        out.push({ cls, term, text: pick(rand, FRAMES).replace('{}', () => disguised) });
      }
    }
  }
  return out;
}

/** Innocent words that contain a short blocked term (the Scunthorpe problem): [word, term]. */
export const SCUNTHORPE_CASES: [string, string][] = [
  ['Scunthorpe', 'cunt'],
  ['assassin', 'ass'],
  ['classic', 'ass'],
  ['bass guitar', 'ass'],
  ['passage', 'ass'],
  ['assume', 'ass'],
  ['embarrass', 'ass'],
  ['Essex', 'sex'],
  ['Sussex', 'sex'],
  ['Middlesex', 'sex'],
  ['sextant', 'sex'],
  ['Penistone', 'penis'],
  ['cocktail', 'cock'],
  ['Hancock', 'cock'],
  ['peacock', 'cock'],
  ['therapist', 'rapist'],
  ['grapes', 'rape'],
  ['skyscraper', 'rape'],
  ['shitake mushrooms', 'shit'],
  ['Matsushita', 'shit'],
  ['analysis', 'anal'],
  ['canal', 'anal'],
  ['cumulative', 'cum'],
  ['document', 'cum'],
  ['cucumber', 'cum'],
  ['title', 'tit'],
  ['constitution', 'tit'],
  ['button', 'butt'],
  ['hello', 'hell'],
  ['shell', 'hell'],
  ['Dickens', 'dick'],
  ['shoe', 'hoe'],
  ['whoever', 'hoe'],
  ['raccoon', 'coon'],
  ['specialist', 'cialis'],
  ['Arsenal', 'arse'],
  ['spice', 'spic'],
  ['good', 'god'],
  ['noob', 'nob'],
  ['scrap', 'crap'],
  ['mishit', 'shit'],
  ['pussywillow', 'pussy'],
  ['Japan', 'jap'],
  ['niggardly', 'nigga'],
  ['hoedown', 'hoe'],
  ['class', 'ass'],
  ['grass', 'ass'],
  ['wank', 'an'],
  ["it's hit", 'shit'],
  ["he'll be there", 'hell'],
  ["who're you", 'whore'],
  ["we'll see", 'well'],
  ["the As's", 'ass'],
  ["Shi'ite", 'shite'],
  ['as soon as', 'ass'],
  ['is this it', 'shit'],
  ['an al jazeera reporter', 'anal'],
  ['I have 455 points', 'ass'],
  ['room 717', 'tit'],
  ['Tokyo 2020', 'oo'],
];

/** Ordinary chat that must pass a realistic blocked-term list untouched. */
export const INNOCENT_SENTENCES: string[] = [
  'What a classic play, the assassin class is broken',
  'Greetings from Scunthorpe and Penistone!',
  'Essex and Sussex are lovely this time of year',
  'The therapist said the cocktail party was fun',
  'Add shitake mushrooms and a cucumber to the salad',
  'My analysis of the document is cumulative',
  'Hello everyone, good game, well played',
  "Is this it? It's hit or miss really",
  'As soon as the stream starts I will assume the role',
  'He plays bass in a band called The Peacocks',
  'The title of the constitution is long',
  'She pressed the button and the shell opened',
  'Charles Dickens wrote about a skyscraper? No, grapes',
  '今天的直播太好看了',
  '我不去，死也不去',
  'ありがとうございます、また来ます',
  'はかせの話は面白い',
  '안녕하세요 여러분 반갑습니다',
  'Привет всем, отличный стрим',
  'Καλησπέρα σε όλους',
  'gg wp 666 lol',
  'I scored 455 points in room 717',
  'email me at bob@example.com',
  'costs $5 or 4 euros',
  'wow!!! amazing!!!',
  'Bonjour à tous, ça va très bien',
  'Das Spiel war großartig',
  'first!',
  '🎉🎉🎉',
  "Assassin's Creed is a classic series",
  "I'm from Middlesex, it's near London",
  'Japanese food in Japan is great',
  'The raccoon ate the cocktail nuts',
];
