/**
 * A latency histogram with ~1 % relative resolution from 10 µs to minutes, cheap to record
 * (one log per value) and cheap to merge across processes (sum of sparse counts). Load
 * generators record every sampled receipt into it instead of keeping raw samples, so a
 * 20 s step at a million deliveries per second stays bounded in memory.
 */
const GROWTH = Math.log(1.01);
const FLOOR_MS = 0.01;
const BUCKETS = 2000; // 0.01 ms * 1.01^2000 ≈ 4.4e6 ms: everything above lands in the last bucket

export type SparseCounts = Array<[bucket: number, count: number]>;

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  total = 0;
  max = 0;

  record(ms: number): void {
    const v = ms > 0 ? ms : 0;
    const b = Math.min(BUCKETS - 1, Math.floor(Math.log1p(v / FLOOR_MS) / GROWTH));
    this.counts[b]++;
    this.total++;
    if (v > this.max) this.max = v;
  }

  /** Upper bound of the bucket holding the p-th percentile (0..100); NaN when empty. */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= rank) return Math.min(this.max, FLOOR_MS * Math.expm1((b + 1) * GROWTH));
    }
    return this.max;
  }

  toSparse(): { counts: SparseCounts; max: number } {
    const counts: SparseCounts = [];
    for (let b = 0; b < BUCKETS; b++) if (this.counts[b] > 0) counts.push([b, this.counts[b]]);
    return { counts, max: this.max };
  }

  merge(sparse: { counts: SparseCounts; max: number }): this {
    for (const [b, n] of sparse.counts) {
      this.counts[b] += n;
      this.total += n;
    }
    if (sparse.max > this.max) this.max = sparse.max;
    return this;
  }

  summary(): LatencySummary {
    return {
      samples: this.total,
      p50: round(this.percentile(50)),
      p99: round(this.percentile(99)),
      p999: round(this.percentile(99.9)),
      max: round(this.total ? this.max : Number.NaN),
    };
  }
}

export interface LatencySummary {
  samples: number;
  p50: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

function round(v: number): number | null {
  return Number.isFinite(v) ? Math.round(v * 100) / 100 : null;
}
