import type { Danmaku } from '@danmaku/contracts';
import { SeqTracker } from './seq-tracker';

const d = (...seqs: number[]) => seqs.map((seq) => ({ seq, id: `id${seq}` }) as Danmaku);
const seqs = (items: Danmaku[]) => items.map((x) => x.seq);

describe('SeqTracker', () => {
  it('delivers in order and drops what it already delivered', () => {
    const t = new SeqTracker();
    expect(seqs(t.resolveGap(d(1, 2, 3)))).toEqual([1, 2, 3]);
    expect(seqs(t.live(d(3, 4)).deliver)).toEqual([4]);
    expect(seqs(t.live(d(2)).deliver)).toEqual([]);
    expect(t.lastSeq).toBe(4);
  });

  it('holds items after a gap until recovery fills it', () => {
    const t = new SeqTracker(4);
    expect(t.live(d(7, 8))).toEqual({ deliver: [], gap: true });
    expect(t.live(d(9)).deliver).toEqual([]);
    expect(seqs(t.resolveGap(d(5, 6, 7)))).toEqual([5, 6, 7, 8, 9]);
    expect(seqs(t.live(d(10)).deliver)).toEqual([10]);
  });

  it('accepts the first batch of a fresh tracker whatever its seq', () => {
    const t = new SeqTracker();
    expect(seqs(t.live(d(40, 41)).deliver)).toEqual([40, 41]);
  });
});

describe('SeqTracker epochs', () => {
  const item = (seq: number) => ({ seq }) as Danmaku;
  it('starts the seq state over when the room moves to a new epoch', () => {
    const t = new SeqTracker();
    expect(t.enterEpoch('a')).toBe(false);
    expect(t.live([item(1), item(2)]).deliver.map((d) => d.seq)).toEqual([1, 2]);
    // The same epoch again changes nothing; seqs already seen stay dropped.
    expect(t.enterEpoch('a')).toBe(false);
    expect(t.live([item(2)]).deliver).toEqual([]);
    // A new epoch: seq 1 is new again.
    expect(t.enterEpoch('b')).toBe(true);
    expect(t.live([item(1)]).deliver.map((d) => d.seq)).toEqual([1]);
  });
});
