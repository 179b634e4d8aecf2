import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_IDENTITY, APP_LOGGER, type AppIdentity } from '@danmaku/platform';
import { REPLAY_CONFIG, type ReplayConfig } from '../config/replay.config';
import { ReplayMaintenanceRepository } from '../store/replay-maintenance.repository';
import { RetentionService } from './retention.service';

/** The first sweep runs this soon after start (or after one interval, if shorter). */
const FIRST_SWEEP_DELAY_MS = 10_000;

/**
 * Runs the retention sweep every REPLAY_RETENTION_SWEEP_SEC when REPLAY_RETENTION_DAYS > 0.
 * Every instance ticks, but a Redis lock lets one sweep per interval; overlapping sweeps
 * would be harmless anyway, only wasted work.
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly retention: RetentionService,
    private readonly store: ReplayMaintenanceRepository,
    @Inject(REPLAY_CONFIG) private readonly config: ReplayConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    @Inject(APP_IDENTITY) private readonly identity: AppIdentity,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.retention.enabled) return;
    const intervalMs = this.config.REPLAY_RETENTION_SWEEP_SEC * 1000;
    const tick = () => {
      this.running ??= this.sweepOnce(intervalMs).finally(() => (this.running = undefined));
    };
    this.timer = setTimeout(
      () => {
        tick();
        this.timer = setInterval(tick, intervalMs);
      },
      Math.min(FIRST_SWEEP_DELAY_MS, intervalMs),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.running;
  }

  private async sweepOnce(intervalMs: number): Promise<void> {
    try {
      // Held a little less than the interval, so the next tick (timer drift) finds it free.
      if (!(await this.store.acquireSweepLock(this.identity.instanceId, Math.max(500, intervalMs * 0.9))))
        return;
      const started = Date.now();
      const report = await this.retention.sweep(started);
      this.logger.info({ ...report, ms: Date.now() - started }, 'replay retention sweep done');
    } catch (error) {
      // Redis away: the next interval tries again.
      this.logger.warn({ error: String(error) }, 'replay retention sweep failed');
    }
  }
}
