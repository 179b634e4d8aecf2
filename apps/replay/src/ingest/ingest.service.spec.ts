import type { Danmaku } from '@danmaku/contracts';
import { MetricsService } from '@danmaku/platform';
import { ReplayMetrics } from '../metrics/replay.metrics';
import type { IngestOutcome, ReplayStoreRepository, RoomIngestPlan } from '../store/replay-store.repository';
import { IngestService } from './ingest.service';
import { danmakuFixture } from '@danmaku/testing';

const DAY = 86_400_000;
const NOW = 100 * DAY;

function danmaku(id: string, sentAt: number, sessionId: string | null): Danmaku {
  return danmakuFixture({
    id,
    roomId: 'r',
    seq: 1,
    sentAt,
    sessionId,
    offsetMs: sessionId === null ? null : 0,
  });
}

class FakeStore {
  ids: string[] = [];
  async ingest(plans: Iterable<RoomIngestPlan>): Promise<IngestOutcome> {
    for (const p of plans) this.ids.push(...p.entries.map((e) => e.id));
    return { stored: this.ids.length, duplicates: 0, retracted: 0, expired: 0 };
  }
}

describe('IngestService', () => {
  const items = [
    danmaku('old-loose', NOW - 3 * DAY, null),
    danmaku('old-session', NOW - 3 * DAY, 's'),
    danmaku('new', NOW, null),
  ];

  it('stores everything when retention is off', async () => {
    const store = new FakeStore();
    const service = new IngestService(
      store as unknown as ReplayStoreRepository,
      new ReplayMetrics(new MetricsService()),
      {
        REPLAY_RETENTION_DAYS: 0,
      },
    );
    expect(await service.ingest(items, NOW)).toMatchObject({ stored: 3, expired: 0 });
  });

  it('does not store session-less danmaku already past retention, and counts them', async () => {
    const store = new FakeStore();
    const metrics = new ReplayMetrics(new MetricsService());
    const service = new IngestService(store as unknown as ReplayStoreRepository, metrics, {
      REPLAY_RETENTION_DAYS: 2,
    });
    expect(await service.ingest(items, NOW)).toMatchObject({ stored: 2, expired: 1 });
    expect(store.ids).toEqual(['old-session', 'new']);
    expect((await metrics.ignored.get()).values).toEqual([
      expect.objectContaining({ labels: { reason: 'expired' }, value: 1 }),
    ]);
  });
});
