import { confusablePrototype } from './confusables';

/**
 * Per-code-point folding: what one character of a text contributes to the matched stream.
 *
 * A character folds to zero or more items. A letter item is a folded code point with a
 * class; a gap item says the character separates letters (and how). Every character is
 * folded once and cached, so a text is normalized with table lookups only.
 *
 * Pipeline for one character: drop default-ignorables (zero-width, soft hyphen,
 * variation selectors…) → NFKC (full-width, ligatures, math alphanumerics, circled
 * letters) → lower case (plus the full case folds JS lacks: ß → ss, ς → σ) → NFD and drop
 * the generic combining marks (accents; Script=Inherited) → NFC → look-alikes to their
 * Latin skeleton (confusables.txt); katakana → hiragana → letter, digit or separator.
 */

/** Letter classes (bits 21..23 of a letter item). */
export const CLS_LETTER = 0; // a letter or number of a script that separates words with spaces
export const CLS_NOSPACE = 1; // a letter of a script written without spaces (Han, kana, Hangul, Thai…)
export const CLS_DIGIT = 2; // ASCII 0-9 (leetspeak candidates)
export const CLS_MARK = 3; // a combining mark that survived folding (kana voicing, Indic vowel signs)
export const CLS_SYM = 4; // `@` `$`: a letter inside a word in leetspeak, else a JOIN separator
export const CLS_BANG = 5; // `!`: `i` between two letters in leetspeak, else a PUNCT separator

/** Separator classes, OR-ed when several separators stand between two letters. */
export const GAP_JOIN = 1; // symbols, dashes, connectors, dots, `*`, `/`, emoji: what evaders insert
export const GAP_PUNCT = 2; // clause punctuation, brackets, quotes, apostrophes: real text structure
export const GAP_SPACE = 4; // white space, line breaks, controls

const CLS_SHIFT = 21;
const CP_MASK = (1 << CLS_SHIFT) - 1;

export const itemCp = (item: number): number => item & CP_MASK;
export const itemCls = (item: number): number => item >>> CLS_SHIFT;
const letterItem = (cp: number, cls: number): number => cp | (cls << CLS_SHIFT);

const EMPTY = new Int32Array(0);
const IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
const LETTERLIKE = /^[\p{L}\p{N}\p{M}]$/u;
const MARK = /^\p{M}$/u;
/** Generic combining marks (accents, overlays): they take the script of their base. */
const INHERITED_MARK = /^\p{M}$/u;
/** Kana voicing marks are Script=Inherited too, but `ガ` is not `カ`: keep them. */
const KANA_VOICING = /^[\u3099\u309A]$/;
const NO_SPACE_SCRIPT =
  /^[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}\p{scx=Bopomofo}\p{scx=Thai}\p{scx=Lao}\p{scx=Khmer}\p{scx=Myanmar}\p{scx=Tibetan}]$/u;
const SPACE = /^[\p{White_Space}\p{Cc}\p{Zl}\p{Zp}]$/u;
/**
 * Apostrophes are PUNCT, not JOIN: bridging them would make words of contractions and
 * possessives (`he'll` → `hell`, `who're` → `whore`, `As's` → `ass`).
 */
const PUNCT = /^[\p{Ps}\p{Pe}\p{Pi}\p{Pf},;:?"¿¡、。・…‥«»']$/u;
const SCRIPT_INHERITED = /^\p{Script=Inherited}$/u;

/** Full case folds `toLowerCase` does not do. */
const EXTRA_FOLDS: Record<string, string> = { ß: 'ss', ς: 'σ', ẞ: 'ss' };

const bmp: (Int32Array | undefined)[] = new Array(0x10000);
const astral = new Map<number, Int32Array>();

/** The items one code point folds to (cached). */
export function foldCodePoint(cp: number): Int32Array {
  if (cp < 0x10000) {
    let hit = bmp[cp];
    if (hit === undefined) bmp[cp] = hit = computeFold(cp);
    return hit;
  }
  let hit = astral.get(cp);
  if (hit === undefined) astral.set(cp, (hit = computeFold(cp)));
  return hit;
}

function computeFold(cp: number): Int32Array {
  // A lone surrogate (broken text) separates like a symbol.
  if (cp >= 0xd800 && cp <= 0xdfff) return Int32Array.of(-GAP_JOIN);
  const ch = String.fromCodePoint(cp);
  if (IGNORABLE.test(ch)) return EMPTY;
  const nfkc = ch.normalize('NFKC');
  // NFKC can turn a look-alike into another letter (`ϲ` lunate sigma → `ς` → `σ`, which
  // looks like `o`) while the character itself is listed as looking like `c`: unless NFKC
  // alone reaches ASCII (`ｍ` → `m`), the character's own prototype wins.
  if (cp >= 0x80 && LETTERLIKE.test(ch) && !/^[a-z0-9]+$/.test(stripAccents(lowerCase(nfkc)).join(''))) {
    const direct = latinSkeleton(ch);
    if (direct !== null) return Int32Array.from(direct, (c) => letterItem(c.charCodeAt(0), CLS_LETTER));
  }
  const items: number[] = [];
  for (const c of nfkc) foldNfkcChar(c, items);
  return items.length === 0 ? EMPTY : Int32Array.from(items);
}

function foldNfkcChar(c: string, items: number[]): void {
  if (IGNORABLE.test(c)) return;
  if (!LETTERLIKE.test(c)) {
    if (c === '@' || c === '$') items.push(letterItem(c.charCodeAt(0), CLS_SYM));
    else if (c === '!') items.push(letterItem(0x21, CLS_BANG));
    else items.push(-gapClass(c));
    return;
  }
  for (const letter of stripAccents(lowerCase(c))) {
    let cp = letter.codePointAt(0) as number;
    // Katakana and hiragana spell the same words (`バカ`, `ばか`): fold to hiragana.
    if (cp >= 0x30a1 && cp <= 0x30f6) cp -= 0x60;
    if (cp < 0x80) {
      items.push(letterItem(cp, cp >= 0x30 && cp <= 0x39 ? CLS_DIGIT : CLS_LETTER));
      continue;
    }
    const skeleton = latinSkeleton(letter);
    if (skeleton !== null) {
      for (let i = 0; i < skeleton.length; i++) items.push(letterItem(skeleton.charCodeAt(i), CLS_LETTER));
    } else if (MARK.test(letter)) {
      items.push(letterItem(cp, CLS_MARK));
    } else {
      items.push(letterItem(cp, NO_SPACE_SCRIPT.test(letter) ? CLS_NOSPACE : CLS_LETTER));
    }
  }
}

function lowerCase(c: string): string {
  let out = '';
  for (const l of c.toLowerCase()) out += EXTRA_FOLDS[l] ?? l;
  return out;
}

/** NFD, drop generic combining marks, NFC: `é` → `e`, `ガ` stays `ガ`, Hangul stays composed. */
function stripAccents(s: string): string[] {
  let kept = '';
  for (const d of s.normalize('NFD')) {
    if (INHERITED_MARK.test(d) && SCRIPT_INHERITED.test(d) && !KANA_VOICING.test(d)) continue;
    kept += d;
  }
  return [...kept.normalize('NFC')];
}

/**
 * The Latin letters a non-ASCII letter looks like, per confusables.txt, or null. Only
 * prototypes made of ASCII letters are used: look-alike attacks target Latin terms, and
 * mapping letters of other scripts onto each other (or onto digits: Cyrillic `з` → `3`)
 * would only make native-script terms match unrelated words. The upper-case form is
 * tried too, so `н` and `Н` both fold to `h` (only `Н` is listed as a look-alike of `H`)
 * and a term matches the same way in either case.
 */
function latinSkeleton(letter: string): string | null {
  for (const candidate of new Set([letter.toLowerCase(), letter, letter.toUpperCase()])) {
    const cp = candidate.codePointAt(0) as number;
    if (candidate.length !== String.fromCodePoint(cp).length) continue;
    const prototype = confusablePrototype(cp);
    if (prototype === undefined) continue;
    const folded = stripAccents(lowerCase(prototype.normalize('NFKC'))).join('');
    if (/^[a-z]+$/.test(folded)) return folded;
  }
  return null;
}

function gapClass(c: string): number {
  if (SPACE.test(c)) return GAP_SPACE;
  if (PUNCT.test(c)) return GAP_PUNCT;
  return GAP_JOIN;
}

/** Composes a kana voicing mark with the letter before it (`カ` + `゙` → `ガ`), or returns -1. */
export function composeMark(base: number, mark: number): number {
  const composed = String.fromCodePoint(base, mark).normalize('NFC');
  const cp = composed.codePointAt(0) as number;
  return composed.length === String.fromCodePoint(cp).length ? cp : -1;
}

const LEET: Record<number, number> = {
  0x30: 0x6f, // 0 → o
  0x31: 0x69, // 1 → i (or l, in the second variant)
  0x33: 0x65, // 3 → e
  0x34: 0x61, // 4 → a
  0x35: 0x73, // 5 → s
  0x37: 0x74, // 7 → t
  0x40: 0x61, // @ → a
  0x24: 0x73, // $ → s
  0x21: 0x69, // ! → i
};

/** The leetspeak letter of a digit or symbol, or -1 (`1` is `i`, or `l` when `oneAsL`). */
export function leetLetter(cp: number, oneAsL: boolean): number {
  if (cp === 0x31 && oneAsL) return 0x6c;
  return LEET[cp] ?? -1;
}
