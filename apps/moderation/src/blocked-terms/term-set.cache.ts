import { Inject, Injectable } from '@nestjs/common';
import { BlockedTermsRepository } from './blocked-terms.repository';
import { EMPTY_TERMS, TERM_MATCHER, type CompiledTerms, type TermMatcher } from './term-matcher';

const MAX_SCOPES = 10_000;

/**
 * Compiled term sets by scope (room, or site-wide), reused while the scope's version
 * counter is unchanged. Decisions read the counters with every batch, so a term added
 * over REST applies to the next batch on every instance.
 */
@Injectable()
export class TermSetCache {
  private readonly entries = new Map<string, { version: string; terms: CompiledTerms }>();
  /** Loads under way: partitions decided at once wait for one compile rather than each doing it. */
  private readonly loading = new Map<string, Promise<CompiledTerms>>();

  constructor(
    @Inject(TERM_MATCHER) private readonly matcher: TermMatcher,
    private readonly repo: BlockedTermsRepository,
  ) {}

  /** The compiled terms of `roomId` (`null`: site-wide) at `version` (the token of its last change). */
  async get(roomId: string | null, version: string): Promise<CompiledTerms> {
    // Version "0": the scope never had a term; nothing to read or keep.
    if (version === '0') return EMPTY_TERMS;
    const key = roomId ?? '';
    const hit = this.entries.get(key);
    if (hit && hit.version === version) return hit.terms;
    const flight = `${key}\u0000${version}`;
    let load = this.loading.get(flight);
    if (!load) {
      load = this.load(roomId, key).finally(() => this.loading.delete(flight));
      this.loading.set(flight, load);
    }
    return load;
  }

  private async load(roomId: string | null, key: string): Promise<CompiledTerms> {
    const loaded = await this.repo.termsWithVersion(roomId);
    const terms = loaded.terms.length > 0 ? this.matcher.compile(loaded.terms) : EMPTY_TERMS;
    this.entries.delete(key);
    if (this.entries.size >= MAX_SCOPES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { version: loaded.version, terms });
    return terms;
  }
}
