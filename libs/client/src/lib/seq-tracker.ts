import type { Danmaku } from '@danmaku/contracts';

/**
 * Delivers a room's danmaku exactly once and in seq order, whatever mix of live batches,
 * join `recent` lists and recovery answers they arrive in. When a live batch skips seqs it
 * holds later items back and asks for recovery; `resolveGap` releases them.
 */
export class SeqTracker {
  private held: Danmaku[] = [];
  private recovering = false;
  /** The room's stream epoch the seqs belong to ('' or undefined: not known yet). */
  epoch: string | undefined;

  constructor(
    /** Highest seq delivered so far (0: nothing yet). */
    public lastSeq = 0,
  ) {}

  /**
   * Notes the room's stream epoch. When it differs from a known one, the room's seqs
   * restarted (its state was lost): the seq state starts over and this returns true.
   */
  enterEpoch(epoch: string | undefined): boolean {
    if (!epoch) return false;
    const changed = this.epoch !== undefined && this.epoch !== '' && this.epoch !== epoch;
    this.epoch = epoch;
    if (changed) {
      this.lastSeq = 0;
      this.held = [];
      this.recovering = false;
    }
    return changed;
  }

  /** Items from a live batch. Returns what to deliver now and whether a gap needs recovery. */
  live(items: Danmaku[]): { deliver: Danmaku[]; gap: boolean } {
    if (this.recovering) {
      this.held.push(...items);
      return { deliver: [], gap: false };
    }
    const fresh = items.filter((d) => d.seq > this.lastSeq).sort((a, b) => a.seq - b.seq);
    if (fresh.length > 0 && this.lastSeq > 0 && fresh[0].seq > this.lastSeq + 1) {
      this.recovering = true;
      this.held.push(...fresh);
      return { deliver: [], gap: true };
    }
    return { deliver: this.take(fresh), gap: false };
  }

  /** Items recovered (a join's `recent`): merged with what was held back, in order. */
  resolveGap(recovered: Danmaku[]): Danmaku[] {
    this.recovering = false;
    const all = [...recovered, ...this.held];
    this.held = [];
    const bySeq = new Map<number, Danmaku>();
    for (const d of all) if (d.seq > this.lastSeq) bySeq.set(d.seq, d);
    return this.take([...bySeq.values()].sort((a, b) => a.seq - b.seq));
  }

  private take(sorted: Danmaku[]): Danmaku[] {
    const out: Danmaku[] = [];
    for (const d of sorted) {
      if (d.seq <= this.lastSeq) continue;
      out.push(d);
      this.lastSeq = d.seq;
    }
    return out;
  }
}
