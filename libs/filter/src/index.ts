export { compileTerms, canonicalTerm, fingerprint, DEFAULT_SUFFIXES } from './lib/matcher';
export type { CompiledMatcher, MatcherOptions, TermInput, TermMatch } from './lib/matcher';
