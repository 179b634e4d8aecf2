import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_LOGGER, MetricsService } from '@danmaku/platform';
import { ReplayMaintenanceRepository } from './replay-maintenance.repository';

/**
 * Says at start-up (log + `replay_redis_aof_enabled`) when Redis keeps the replay store in
 * memory only: everything would be lost on a Redis restart, leaving only what Kafka still
 * retains for a rebuild. Never blocks start-up: a dev Redis without persistence is fine.
 */
@Injectable()
export class PersistenceCheck implements OnApplicationBootstrap {
  constructor(
    private readonly store: ReplayMaintenanceRepository,
    private readonly metrics: MetricsService,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const persistence = await this.store.persistence();
    if (persistence === null) return;
    this.metrics
      .gauge(
        'replay_redis_aof_enabled',
        'Redis appends every write to its AOF (1) or not (0), seen at start-up',
      )
      .set(persistence.aof ? 1 : 0);
    if (!persistence.aof) {
      this.logger.warn(
        { aof: false, rdbSnapshots: persistence.rdbSaves },
        persistence.rdbSaves
          ? 'Redis AOF is off: a crash loses replay writes since the last RDB snapshot (docs/operations/replay.md)'
          : 'Redis persistence is off: a restart loses the whole replay store (docs/operations/replay.md)',
      );
    }
  }
}
