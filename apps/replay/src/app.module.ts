import { Module, type DynamicModule } from '@nestjs/common';
import {
  PlatformModule,
  REPLAY_HTTP_LIMITS,
  httpRateLimitProviders,
  loadHttpRateLimitConfig,
} from '@danmaku/platform';
import type { ReplayConfig } from './config/replay.config';
import { ReplayConfigModule } from './config/replay-config.module';
import { IngestModule } from './ingest/ingest.module';
import { RoomEventsModule } from './room-events/room-events.module';
import { SessionsModule } from './sessions/sessions.module';
import { TimelineModule } from './timeline/timeline.module';
import { DensityModule } from './density/density.module';
import { RetentionModule } from './retention/retention.module';

/** Replay: consumes accepted danmaku and room events into Redis, serves recordings' timelines over HTTP. */
@Module({})
export class AppModule {
  static forRoot(config: ReplayConfig, instanceId: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ app: 'replay', instanceId, config }),
        ReplayConfigModule.forRoot(config),
        IngestModule,
        RoomEventsModule,
        SessionsModule,
        TimelineModule,
        DensityModule,
        RetentionModule,
      ],
      // Public reads: limited per client address (HTTP_RATE_LIMIT_*).
      providers: httpRateLimitProviders(loadHttpRateLimitConfig(REPLAY_HTTP_LIMITS), 'replay'),
    };
  }
}
