import { bucketCount, countersServe } from './density';

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
});
