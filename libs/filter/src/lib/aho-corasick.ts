/**
 * An Aho-Corasick automaton over code points: finds every pattern ending at each position
 * of a text in one pass, whatever the number of patterns.
 *
 * Built once, then flat typed arrays only: the root has a dense transition table (most
 * steps start there), other nodes a sorted child list; failure links for mismatches and
 * dictionary links to walk every pattern that ends at a node. Code points that occur in
 * no pattern map to symbol 0, which leads back to the root at once.
 */
/** Edge keys are node * EDGE_KEY + symbol; symbols stay below it (code points < 2^21). */
const EDGE_KEY = 2 ** 21;

/** Sorts one node's children by symbol: insertion sort for the usual short lists. */
function sortChildren(syms: Int32Array, nodes: Int32Array, from: number, to: number): void {
  if (to - from > 32) {
    const pairs = Array.from({ length: to - from }, (_, k) => [syms[from + k], nodes[from + k]]).sort(
      (a, b) => a[0] - b[0],
    );
    pairs.forEach(([sym, node], k) => {
      syms[from + k] = sym;
      nodes[from + k] = node;
    });
    return;
  }
  for (let i = from + 1; i < to; i++) {
    const s = syms[i];
    const n = nodes[i];
    let j = i - 1;
    for (; j >= from && syms[j] > s; j--) {
      syms[j + 1] = syms[j];
      nodes[j + 1] = nodes[j];
    }
    syms[j + 1] = s;
    nodes[j + 1] = n;
  }
}

export class AhoCorasick {
  /** Node count (node 0 is the root). */
  readonly size: number;
  private readonly asciiSymbols = new Int32Array(128);
  private readonly otherSymbols = new Map<number, number>();
  private readonly rootNext: Int32Array;
  private readonly childStart: Int32Array;
  private readonly childSym: Int32Array;
  private readonly childNode: Int32Array;
  private readonly fail: Int32Array;
  /** Patterns ending exactly at a node: `outPatterns[outStart[n] .. outStart[n + 1])`. */
  readonly outStart: Int32Array;
  readonly outPatterns: Int32Array;
  /** The nearest node on the failure chain that ends a pattern (0: none). */
  readonly dictLink: Int32Array;

  constructor(patterns: readonly ArrayLike<number>[]) {
    let symbols = 0;
    const symbolOf = (cp: number): number => {
      if (cp < 128) return this.asciiSymbols[cp] || (this.asciiSymbols[cp] = ++symbols);
      let s = this.otherSymbols.get(cp);
      if (s === undefined) this.otherSymbols.set(cp, (s = ++symbols));
      return s;
    };

    // 1. The trie: every edge in one map keyed by (node, symbol) — one Map per node would
    //    cost more than the rest of the build together.
    const edges = new Map<number, number>();
    const ownEnd: number[] = []; // node → last pattern ending there (linked through ownNext)
    const ownNext: number[] = [];
    let n = 1;
    patterns.forEach((pattern, index) => {
      let node = 0;
      for (let i = 0; i < pattern.length; i++) {
        const key = node * EDGE_KEY + symbolOf(pattern[i]);
        let child = edges.get(key);
        if (child === undefined) edges.set(key, (child = n++));
        node = child;
      }
      ownNext[index] = ownEnd[node] ?? -1;
      ownEnd[node] = index;
    });
    this.size = n;

    // 2. Flat child lists sorted by symbol, and the root's dense table.
    this.childStart = new Int32Array(n + 1);
    for (const key of edges.keys()) this.childStart[Math.floor(key / EDGE_KEY) + 1]++;
    for (let i = 0; i < n; i++) this.childStart[i + 1] += this.childStart[i];
    this.childSym = new Int32Array(edges.size);
    this.childNode = new Int32Array(edges.size);
    const fill = this.childStart.slice(0, n);
    for (const [key, child] of edges) {
      const parent = Math.floor(key / EDGE_KEY);
      const at = fill[parent]++;
      this.childSym[at] = key - parent * EDGE_KEY;
      this.childNode[at] = child;
    }
    for (let i = 0; i < n; i++)
      sortChildren(this.childSym, this.childNode, this.childStart[i], this.childStart[i + 1]);
    this.rootNext = new Int32Array(symbols + 1);
    for (let e = this.childStart[0]; e < this.childStart[1]; e++)
      this.rootNext[this.childSym[e]] = this.childNode[e];

    // 3. Outputs: the patterns ending at each node.
    this.outStart = new Int32Array(n + 1);
    this.outPatterns = new Int32Array(patterns.length);
    let outs = 0;
    for (let i = 0; i < n; i++) {
      this.outStart[i] = outs;
      for (let p = ownEnd[i] ?? -1; p >= 0; p = ownNext[p]) this.outPatterns[outs++] = p;
    }
    this.outStart[n] = outs;

    // 4. Failure and dictionary links, breadth first.
    this.fail = new Int32Array(n);
    this.dictLink = new Int32Array(n);
    const queue = new Int32Array(n);
    let head = 0;
    let tail = 0;
    for (let e = this.childStart[0]; e < this.childStart[1]; e++) queue[tail++] = this.childNode[e];
    while (head < tail) {
      const node = queue[head++];
      for (let e = this.childStart[node]; e < this.childStart[node + 1]; e++) {
        const sym = this.childSym[e];
        const child = this.childNode[e];
        let f = this.fail[node];
        let target = 0;
        for (;;) {
          const step = f === 0 ? this.rootNext[sym] : this.child(f, sym);
          if (step > 0) {
            target = step;
            break;
          }
          if (f === 0) break;
          f = this.fail[f];
        }
        this.fail[child] = target;
        this.dictLink[child] =
          this.outStart[target + 1] > this.outStart[target] ? target : this.dictLink[target];
        queue[tail++] = child;
      }
    }
  }

  /** The symbol of a code point (0 when no pattern has it). */
  symbol(cp: number): number {
    return cp < 128 ? this.asciiSymbols[cp] : (this.otherSymbols.get(cp) ?? 0);
  }

  /** The state after reading `sym` in `state`. */
  next(state: number, sym: number): number {
    if (sym === 0) return 0;
    for (;;) {
      if (state === 0) return this.rootNext[sym];
      const child = this.child(state, sym);
      if (child > 0) return child;
      state = this.fail[state];
    }
  }

  /** The first node, from `state` along the failure chain, that ends a pattern (0: none). */
  firstOutput(state: number): number {
    return this.outStart[state + 1] > this.outStart[state] ? state : this.dictLink[state];
  }

  private child(node: number, sym: number): number {
    let lo = this.childStart[node];
    let hi = this.childStart[node + 1];
    if (hi - lo <= 8) {
      for (; lo < hi; lo++) if (this.childSym[lo] === sym) return this.childNode[lo];
      return 0;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.childSym[mid];
      if (s === sym) return this.childNode[mid];
      if (s < sym) lo = mid + 1;
      else hi = mid;
    }
    return 0;
  }
}
