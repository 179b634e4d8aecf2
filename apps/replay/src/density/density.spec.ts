import { aggregateCounters, bucketCount, countersServe } from './density';

describe('density aggregation', () => {
  it('counts buckets from offset 0 up to the last offset inclusive', () => {
    expect(bucketCount(0, 1000)).toBe(1);
    expect(bucketCount(999, 1000)).toBe(1);
    expect(bucketCount(1000, 1000)).toBe(2);
    expect(bucketCount(59_999, 10_000)).toBe(6);
  });

  it('serves only whole-second widths from per-second counters', () => {
    expect(countersServe(1000)).toBe(true);
    expect(countersServe(10_000)).toBe(true);
    expect(countersServe(1500)).toBe(false);
    expect(countersServe(100)).toBe(false);
  });

  it('sums seconds into buckets and ignores empty or out-of-range counters', () => {
    const counters = new Map([
      [0, 2],
      [4, 1],
      [5, 3],
      [9, 1],
      [12, 4],
      [30, 9], // past the last bucket
      [7, 0],
    ]);
    expect(aggregateCounters(counters, 5000, 3)).toEqual([3, 4, 4]);
    expect(aggregateCounters(counters, 1000, 3)).toEqual([2, 0, 0]);
    expect(aggregateCounters(new Map(), 10_000, 2)).toEqual([0, 0]);
  });
});
