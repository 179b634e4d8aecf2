import type { DensitySource, ReplayStoreRepository } from '../store/replay-store.repository';
import { timelineMember } from '../store/replay-keys';
import { DensityService } from './density.service';

class FakeStore {
  source: DensitySource = { found: true, endedAt: null, lastMember: '', counters: new Map() };
  exactCalls: [number, number][] = [];
  askedCounters: boolean[] = [];

  async readDensitySource(_r: string, _s: string, withCounters: boolean): Promise<DensitySource> {
    this.askedCounters.push(withCounters);
    return this.source;
  }

  async countBuckets(_r: string, _s: string, bucketMs: number, n: number): Promise<number[]> {
    this.exactCalls.push([bucketMs, n]);
    return new Array<number>(n).fill(1);
  }
}

describe('DensityService', () => {
  let store: FakeStore;
  let service: DensityService;

  beforeEach(() => {
    store = new FakeStore();
    service = new DensityService(store as unknown as ReplayStoreRepository);
  });

  it('sums per-second counters for whole-second widths', async () => {
    store.source.lastMember = timelineMember(25_000, 9, 'x');
    store.source.counters = new Map([
      [0, 1],
      [9, 2],
      [10, 3],
      [25, 1],
    ]);
    const { density } = await service.density('r', 's', 10_000);
    expect(density).toEqual({ bucketMs: 10_000, buckets: [3, 3, 1] });
    expect(store.askedCounters).toEqual([true]);
    expect(store.exactCalls).toEqual([]);
  });

  it('counts exactly on the timeline for other widths', async () => {
    store.source.lastMember = timelineMember(1_000, 9, 'x');
    const { density } = await service.density('r', 's', 300);
    expect(density.buckets).toHaveLength(4);
    expect(store.askedCounters).toEqual([false]);
    expect(store.exactCalls).toEqual([[300, 4]]);
  });

  it('answers no buckets for an empty session', async () => {
    expect((await service.density('r', 's', 1000)).density).toEqual({ bucketMs: 1000, buckets: [] });
  });

  it('refuses a width that would give more than 10,000 buckets', async () => {
    store.source.lastMember = timelineMember(3_600_000, 1, 'x');
    await expect(service.density('r', 's', 100)).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      details: [expect.objectContaining({ path: 'bucketMs' })],
    });
    await expect(service.density('r', 's', 1000)).resolves.toBeDefined();
  });

  it('answers NOT_FOUND for an unknown session and says when one ended', async () => {
    store.source = { ...store.source, found: false };
    await expect(service.density('r', 's', 1000)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    store.source = { ...store.source, found: true, endedAt: 10 };
    expect((await service.density('r', 's', 1000)).ended).toBe(true);
  });
});
