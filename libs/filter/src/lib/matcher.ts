import { AhoCorasick } from './aho-corasick';
import * as fold from './fold';
import * as stream from './text-stream';
import { RawItems, Units } from './text-stream';

// Module-local copies: imported bindings can compile to getter calls (see text-stream.ts).
const { CLS_NOSPACE, GAP_PUNCT, GAP_SPACE } = fold;
const { LEET, MERGE, ONE_AS_L, PLAIN, boundaryBefore, buildUnits, scanRaw } = stream;

export interface TermInput {
  id: string;
  term: string;
}

/** Where a term was found; `start`/`end` index the original text (UTF-16, end exclusive). */
export interface TermMatch {
  termId: string;
  term: string;
  start: number;
  end: number;
}

export interface CompiledMatcher {
  /** Terms that compiled (a term with no letter or digit is ignored). */
  readonly size: number;
  /** The first match (by end position), or null. */
  match(text: string): TermMatch | null;
  /** Every match, by end position. */
  matchAll(text: string): TermMatch[];
}

export interface MatcherOptions {
  /** Also read digits and `@ $ !` inside words as letters (`5h1t`). Default true. */
  leet?: boolean;
  /** Endings a whole-word term may carry (`spammers` for `spammer`). Default DEFAULT_SUFFIXES. */
  suffixes?: readonly string[];
}

/**
 * Inflections allowed after a whole-word term. Kept short on purpose: each one lets a
 * term match more real words (`cum` + `in` is `cumin`, `spic` + `y` is `spicy`).
 */
export const DEFAULT_SUFFIXES: readonly string[] = ['s', 'es', 'ed', 'er', 'ers', 'ing', 'ings'];

/**
 * A letter repeated without a separator counts as elongation from 3 on: English doubles
 * letters all the time (`good` must not match `god`), shouting triples them (`baaad`).
 */
const ELONGATED = 3;
const DOUBLING_SUFFIXES = ['ing', 'ings'];

interface CompiledTerm {
  id: string;
  term: string;
  length: number;
  /** Repeats of each unit the text must show (`ass`: a×1, s×2). */
  counts: Uint16Array;
  /** Separators the term itself has before each unit (`kill yourself`). */
  ownGap: Uint8Array;
  /** Terms in scripts without spaces match anywhere; others as whole words. */
  substring: boolean;
  /** `*term`, `term*`: the author allows letters before / after it. */
  openStart: boolean;
  openEnd: boolean;
}

// One set of scratch buffers: matching is synchronous, so texts never share them concurrently.
const raw = new RawItems();
const units = new Units();

/**
 * Compiles blocked terms into a matcher that resists evasion: case, width, accents,
 * look-alike letters, invisible characters, separators between letters (`b.a.d`,
 * `b a d`), elongation (`baaad`) and leetspeak (`b4d`), while a short term does not flag
 * every word that merely contains it (`ass` does not match `class`; see ADR 0004).
 *
 * A term is matched as a whole word (plus a few inflections) in scripts written with
 * spaces, and anywhere in scripts written without (Chinese, Japanese, Korean, Thai). A
 * leading or trailing `*` lifts the word boundary on that side: `*fuck*` matches
 * `motherfucker`.
 *
 * @example
 * const m = compileTerms([{ id: 't1', term: 'spam' }]);
 * m.match('buy ｓ.p.α.m now'); // { termId: 't1', term: 'spam', start: 4, end: 11 }
 * m.match('spammy');          // null
 */
export function compileTerms(terms: readonly TermInput[], options: MatcherOptions = {}): CompiledMatcher {
  const compiled: CompiledTerm[] = [];
  const patterns: Int32Array[] = [];
  let size = 0;
  for (const t of terms) {
    const readings = parseTerm(t.term, true);
    if (readings.length > 0) size++;
    for (const parsed of readings) {
      compiled.push({ id: t.id, term: t.term, ...parsed.shape });
      patterns.push(parsed.pattern);
    }
  }
  return new AhoCorasickMatcher(compiled, new AhoCorasick(patterns), size, options);
}

/**
 * The form two terms share when they block the same thing (a duplicate check): `SPAM`,
 * `s p a m` and `ｓｐａｍ` are all `spam`; `*spam` keeps its star. Empty when the term has
 * nothing to match.
 */
export function canonicalTerm(term: string): string {
  const [parsed] = parseTerm(term, false);
  if (parsed === undefined) return '';
  let out = parsed.shape.openStart ? '*' : '';
  for (let k = 0; k < parsed.shape.length; k++)
    out += String.fromCodePoint(parsed.pattern[k]).repeat(parsed.shape.counts[k]);
  return parsed.shape.openEnd ? `${out}*` : out;
}

/**
 * The folded reading of a text, for comparing messages (`uniqueChat`): case, width,
 * accents, look-alikes and invisible characters are gone, separators become one space.
 * A text with no letter or digit falls back to its NFKC, lower-cased, trimmed form.
 */
export function fingerprint(text: string): string {
  scanRaw(text, raw);
  buildUnits(raw, PLAIN, units);
  if (units.count === 0) return text.normalize('NFKC').toLowerCase().trim();
  let out = '';
  for (let p = 0; p < units.count; p++) {
    if (p > 0 && units.gap[p] !== 0) out += ' ';
    out += String.fromCodePoint(units.cp[p]).repeat(units.run[p]);
  }
  return out;
}

type ParsedTerm = { shape: Omit<CompiledTerm, 'id' | 'term'>; pattern: Int32Array };

/**
 * A term's patterns: its leetspeak reading (`b00b` is `boob`, matching the leetspeak reading
 * of texts) and, when that differs and `withPlain`, its plain reading too, so a term whose
 * digits are meant as digits (`rule34`, `sub4sub`) also matches them spelled out (`r u l e 3 4`).
 */
function parseTerm(term: string, withPlain: boolean): ParsedTerm[] {
  let core = term.trim();
  const openStart = core.startsWith('*');
  const openEnd = core.length > 1 && core.endsWith('*');
  core = core.replace(/^[\s*]+/, '').replace(/[\s*]+$/, '');
  scanRaw(core, raw);
  buildUnits(raw, LEET, units);
  if (units.count === 0) return [];
  const out = [shapeOf(openStart, openEnd)];
  if (withPlain && units.leetHint) {
    buildUnits(raw, PLAIN, units);
    const plain = shapeOf(openStart, openEnd);
    // Only when no letter is lost: the plain reading of `a$$` is `a`, which is not the term.
    const letters = (p: ParsedTerm) => p.shape.counts.reduce((n, c) => n + c, 0);
    if (letters(plain) === letters(out[0]) && plain.pattern.join() !== out[0].pattern.join()) out.push(plain);
  }
  return out;
}

function shapeOf(openStart: boolean, openEnd: boolean): ParsedTerm {
  const length = units.count;
  const counts = new Uint16Array(length);
  const ownGap = new Uint8Array(length);
  let substring = false;
  for (let k = 0; k < length; k++) {
    counts[k] = units.run[k];
    ownGap[k] = k === 0 ? 0 : units.gap[k];
    if (units.cls[k] === CLS_NOSPACE) substring = true;
  }
  return {
    shape: { length, counts, ownGap, substring, openStart, openEnd },
    pattern: units.cp.slice(0, length),
  };
}

class AhoCorasickMatcher implements CompiledMatcher {
  private readonly leet: boolean;
  private readonly suffixes: readonly string[];

  constructor(
    private readonly terms: CompiledTerm[],
    private readonly automaton: AhoCorasick,
    readonly size: number,
    options: MatcherOptions,
  ) {
    this.leet = options.leet ?? true;
    this.suffixes = options.suffixes ?? DEFAULT_SUFFIXES;
  }

  match(text: string): TermMatch | null {
    if (this.terms.length === 0) return null;
    return this.readings(text, null);
  }

  matchAll(text: string): TermMatch[] {
    const all: TermMatch[] = [];
    if (this.terms.length > 0) this.readings(text, all);
    // A match found by two readings is the same match.
    const seen = new Set<string>();
    return all.filter((m) => {
      const key = `${m.termId}\u0000${m.start}\u0000${m.end}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /**
   * Runs the plain reading, then the others only when the text gives a reason for them
   * (a letter repeated across separators, digits or `@ $ !` inside words), so ordinary
   * chat is read once. With `all`, collects every match; without, returns the first.
   */
  private readings(text: string, all: TermMatch[] | null): TermMatch | null {
    scanRaw(text, raw);
    buildUnits(raw, PLAIN, units);
    let found = this.scan(all);
    if (found !== null) return found;
    const leet = this.leet && units.leetHint;
    if (units.splitRepeat) {
      buildUnits(raw, MERGE, units);
      if ((found = this.scan(all)) !== null) return found;
    }
    if (!leet) return null;
    buildUnits(raw, LEET, units);
    if ((found = this.scan(all)) !== null || !units.mappedOne) return found;
    buildUnits(raw, LEET | ONE_AS_L, units);
    return this.scan(all);
  }

  /** One pass of the automaton over `units`: the first match, or every match into `all`. */
  private scan(all: TermMatch[] | null): TermMatch | null {
    const ac = this.automaton;
    let state = 0;
    for (let e = 0; e < units.count; e++) {
      state = ac.next(state, ac.symbol(units.cp[e]));
      for (let node = ac.firstOutput(state); node !== 0; node = ac.dictLink[node]) {
        for (let o = ac.outStart[node]; o < ac.outStart[node + 1]; o++) {
          const term = this.terms[ac.outPatterns[o]];
          const s = e - term.length + 1;
          if (!this.accepts(term, s, e)) continue;
          const m = { termId: term.id, term: term.term, start: units.start[s], end: units.end[e] };
          if (all === null) return m;
          all.push(m);
        }
      }
    }
    return null;
  }

  /** Whether the units s..e, which spell `term`, are a match under the term's rules. */
  private accepts(term: CompiledTerm, s: number, e: number): boolean {
    const last = term.length - 1;
    for (let k = 0; k <= last; k++) {
      const have = units.run[s + k];
      const need = term.counts[k];
      if (have < need) return false;
      // A longer run at an open edge is just the neighbouring text (`哈哈哈` holds `哈哈`);
      // so is a merged first run of spelled-out letters (`a a s s`: the article, then `ass`).
      const openEdge =
        (k === 0 && (term.substring || term.openStart || units.innerGap[s] !== 0)) ||
        (k === last && (term.substring || term.openEnd));
      if (have === need || have >= ELONGATED || openEdge) continue;
      // English doubles a final consonant before -ing (`shitting`); nothing else may double.
      if (k !== last || have !== need + 1 || !this.doubledBeforeIng(s + k)) return false;
    }

    let gaps = 0;
    let split = true;
    for (let k = 0; k <= last; k++) {
      const u = s + k;
      if (k > 0 && term.ownGap[k] === 0) {
        gaps |= units.gap[u];
        if (units.gap[u] === 0) split = false;
      }
      if (units.innerGap[u] !== 0) {
        gaps |= units.innerGap[u];
        if (units.tight[u] !== 0) split = false;
      }
    }
    // Scripts without spaces: spaces and symbols between letters are evasion, but clause
    // punctuation is real structure (`我不去，死也不去` does not say `去死`).
    if (term.substring) return (gaps & GAP_PUNCT) === 0;
    // Letters spread over words count only when spelled out one by one (`f u c k`), never
    // across real words (`it's hit` is not `shit`).
    if ((gaps & (GAP_SPACE | GAP_PUNCT)) !== 0 && !split) return false;

    if (!term.openStart && !boundaryBefore(units, s)) return false;
    if (term.openEnd || e + 1 === units.count || boundaryBefore(units, e + 1)) return true;
    return this.suffixAt(e + 1, this.suffixes);
  }

  /** Whether the word goes on with `ing`/`ings` right after unit `p`. */
  private doubledBeforeIng(p: number): boolean {
    return p + 1 < units.count && !boundaryBefore(units, p + 1) && this.suffixAt(p + 1, DOUBLING_SUFFIXES);
  }

  /** Whether the rest of the word from unit `p` is an allowed inflection. */
  private suffixAt(p: number, suffixes: readonly string[]): boolean {
    for (const suffix of suffixes) {
      let i = 0;
      let q = p;
      let ok = true;
      for (; q < units.count && (q === p || !boundaryBefore(units, q)); q++) {
        for (let r = 0; r < units.run[q]; r++, i++) {
          if (i >= suffix.length || suffix.charCodeAt(i) !== units.cp[q]) {
            ok = false;
            break;
          }
        }
        if (!ok) break;
      }
      if (ok && i === suffix.length) return true;
    }
    return false;
  }
}
