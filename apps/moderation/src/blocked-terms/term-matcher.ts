/**
 * Finds blocked terms in a text. Kept behind an interface so the decision pipeline does
 * not depend on how matching works (FilterTermMatcher, from `@danmaku/filter`).
 */
export interface TermMatcher {
  /** Prepares a set of terms once; the result is reused for many texts. */
  compile(terms: readonly string[]): CompiledTerms;
  /** The canonical form two terms share when they block the same thing (duplicate check). */
  canonical(term: string): string;
  /** The form two messages share when they say the same thing (`uniqueChat`). */
  fingerprint(text: string): string;
}

export interface CompiledTerms {
  readonly size: number;
  /** The first blocked term (as given to `compile`) the text contains, or null. */
  firstMatch(text: string): string | null;
}

export const TERM_MATCHER = Symbol('TERM_MATCHER');

export const EMPTY_TERMS: CompiledTerms = Object.freeze({ size: 0, firstMatch: () => null });
