import type { CompiledTerms, TermMatcher } from './term-matcher';

/**
 * Case- and width-insensitive substring matching: both sides are NFKC-normalized and
 * lower-cased with the locale-independent root rules, so `ＢＡＤ`, `Bad` and `bad` match.
 */
export class SubstringTermMatcher implements TermMatcher {
  canonical(term: string): string {
    return normalize(term);
  }

  compile(terms: readonly string[]): CompiledTerms {
    const entries = terms
      .map((term) => ({ term, needle: normalize(term) }))
      // An empty needle would match every text; the REST API refuses such terms, but stay safe.
      .filter((e) => e.needle.length > 0);
    return {
      size: entries.length,
      firstMatch(text: string): string | null {
        if (entries.length === 0) return null;
        const haystack = normalize(text);
        for (const e of entries) if (haystack.includes(e.needle)) return e.term;
        return null;
      },
    };
  }
}

/** NFKC, root-locale lower case, then NFKC again (lower-casing can leave non-NFKC forms). */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLocaleLowerCase('und').normalize('NFKC').trim();
}
