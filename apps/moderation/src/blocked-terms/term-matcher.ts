/**
 * Finds blocked terms in a text. Kept behind an interface so the plain matcher of
 * issue 2 can be swapped for an evasion-resistant one (look-alikes, spacing,
 * zero-width characters) without touching the decision pipeline.
 */
export interface TermMatcher {
  /** Prepares a set of terms once; the result is reused for many texts. */
  compile(terms: readonly string[]): CompiledTerms;
  /** The canonical form two terms share when they block the same thing (duplicate check). */
  canonical(term: string): string;
}

export interface CompiledTerms {
  readonly size: number;
  /** The first blocked term (as given to `compile`) the text contains, or null. */
  firstMatch(text: string): string | null;
}

export const TERM_MATCHER = Symbol('TERM_MATCHER');

export const EMPTY_TERMS: CompiledTerms = Object.freeze({ size: 0, firstMatch: () => null });
