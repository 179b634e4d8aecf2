import type { DensitySource, ReplayStoreRepository, SessionState } from '../store/replay-store.repository';
import { timelineMember } from '../store/replay-keys';
import { DensityService } from './density.service';

class FakeStore {
  source: DensitySource = { found: true, endedAt: null, version: '7', lastMember: '', buckets: [] };
  stateReads = 0;
  exactCalls: [number, number][] = [];
  askedCounters: ({ bucketMs: number; maxBuckets: number } | null)[] = [];

  async readDensitySource(
    _r: string,
    _s: string,
    counters: { bucketMs: number; maxBuckets: number } | null,
  ): Promise<DensitySource> {
    this.askedCounters.push(counters);
    return this.source;
  }

  async readSessionState(): Promise<SessionState> {
    this.stateReads++;
    return { found: this.source.found, endedAt: this.source.endedAt, version: this.source.version };
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

  it('takes the buckets summed from per-second counters for whole-second widths', async () => {
    store.source.lastMember = timelineMember(25_000, 9, 'x');
    store.source.buckets = [3, 3, 1];
    const { body: density, etag } = await service.density('r', 's', 10_000);
    expect(etag).toBe('"r1-7"');
    expect(density).toEqual({ bucketMs: 10_000, buckets: [3, 3, 1] });
    expect(store.askedCounters).toEqual([{ bucketMs: 10_000, maxBuckets: 10_000 }]);
    expect(store.exactCalls).toEqual([]);
  });

  it('counts exactly on the timeline for other widths', async () => {
    store.source.lastMember = timelineMember(1_000, 9, 'x');
    const { body: density } = await service.density('r', 's', 300);
    expect(density?.buckets).toHaveLength(4);
    expect(store.askedCounters).toEqual([null]);
    expect(store.exactCalls).toEqual([[300, 4]]);
  });

  it('answers no buckets for an empty session', async () => {
    expect((await service.density('r', 's', 1000)).body).toEqual({ bucketMs: 1000, buckets: [] });
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

  it('answers without a body when If-None-Match names the current version, without counting', async () => {
    store.source.lastMember = timelineMember(25_000, 9, 'x');
    store.source.endedAt = 10;
    const fresh = await service.density('r', 's', 300, 'W/"other", "r1-7"');
    expect(fresh).toEqual({ body: null, etag: '"r1-7"', ended: true });
    expect(store.exactCalls).toEqual([]);
    expect(store.askedCounters).toEqual([]);

    store.source.version = '8';
    const changed = await service.density('r', 's', 300, '"r1-7"');
    expect(changed.etag).toBe('"r1-8"');
    expect(changed.body?.buckets).toHaveLength(84);
  });

  it('never answers 304 for an unknown session', async () => {
    store.source = { ...store.source, found: false, version: null };
    await expect(service.density('r', 's', 1000, '"r1-0"')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
