import { AhoCorasick } from './aho-corasick';

const cps = (s: string): number[] => [...s].map((c) => c.codePointAt(0) as number);

/** Every (pattern index, end position) the automaton reports over `text`. */
function findAll(ac: AhoCorasick, text: string): [number, number][] {
  const out: [number, number][] = [];
  let state = 0;
  cps(text).forEach((cp, end) => {
    state = ac.next(state, ac.symbol(cp));
    for (let node = ac.firstOutput(state); node !== 0; node = ac.dictLink[node]) {
      for (let o = ac.outStart[node]; o < ac.outStart[node + 1]; o++) out.push([ac.outPatterns[o], end]);
    }
  });
  return out.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
}

/** The obvious quadratic search, as the reference. */
function naive(patterns: string[], text: string): [number, number][] {
  const t = [...text];
  const out: [number, number][] = [];
  patterns.forEach((p, i) => {
    const pc = [...p];
    for (let s = 0; s + pc.length <= t.length; s++) {
      if (pc.every((c, k) => t[s + k] === c)) out.push([i, s + pc.length - 1]);
    }
  });
  return out.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
}

describe('AhoCorasick', () => {
  it('finds every occurrence of every pattern, overlapping ones included (he/she/his/hers)', () => {
    const patterns = ['he', 'she', 'his', 'hers'];
    const ac = new AhoCorasick(patterns.map(cps));
    expect(findAll(ac, 'ushers')).toEqual([
      [0, 3], // he
      [1, 3], // she
      [3, 5], // hers
    ]);
    expect(findAll(ac, 'ahishers')).toEqual(naive(patterns, 'ahishers'));
  });

  it('follows failure links through repeated prefixes and reports nested patterns', () => {
    const patterns = ['a', 'aa', 'aaa', 'ab', 'bab', 'abab'];
    const ac = new AhoCorasick(patterns.map(cps));
    for (const text of ['aaaa', 'ababab', 'baabaab', 'xyz', ''])
      expect(findAll(ac, text)).toEqual(naive(patterns, text));
  });

  it('handles code points outside ASCII and the BMP, and many children per node', () => {
    const patterns = ['傻逼', '逼', '𝒂𝒃', ...'abcdefghijklmnop'.split('').map((c) => `x${c}`)];
    const ac = new AhoCorasick(patterns.map(cps));
    for (const text of ['你是傻逼吗', '𝒂𝒃𝒂𝒃', 'xaxbxpxq', '傻傻逼逼'])
      expect(findAll(ac, text)).toEqual(naive(patterns, text));
  });

  it('matches the naive search on random texts over a small alphabet', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const word = (n: number) => Array.from({ length: n }, () => 'abc'[Math.floor(rand() * 3)]).join('');
    const patterns = Array.from({ length: 40 }, () => word(1 + Math.floor(rand() * 5)));
    const ac = new AhoCorasick(patterns.map(cps));
    for (let i = 0; i < 50; i++) {
      const text = word(30);
      expect(findAll(ac, text)).toEqual(naive(patterns, text));
    }
  });

  it('builds an empty automaton that never matches', () => {
    const ac = new AhoCorasick([]);
    expect(ac.size).toBe(1);
    expect(findAll(ac, 'anything')).toEqual([]);
  });
});
