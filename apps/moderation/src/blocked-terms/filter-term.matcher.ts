import { canonicalTerm, compileTerms, fingerprint } from '@danmaku/filter';
import type { CompiledTerms, TermMatcher } from './term-matcher';

/**
 * The evasion-resistant engine of `@danmaku/filter` behind the TermMatcher interface:
 * case, width, accents, look-alikes, invisible characters, separators, elongation and
 * leetspeak, with whole-word matching for spaced scripts (docs/adr/0004-filter-matching.md).
 */
export class FilterTermMatcher implements TermMatcher {
  canonical(term: string): string {
    return canonicalTerm(term);
  }

  fingerprint(text: string): string {
    return fingerprint(text);
  }

  compile(terms: readonly string[]): CompiledTerms {
    const matcher = compileTerms(terms.map((term, i) => ({ id: String(i), term })));
    return {
      size: matcher.size,
      firstMatch: (text: string) => matcher.match(text)?.term ?? null,
    };
  }
}
