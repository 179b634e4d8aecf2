import { Module, type DynamicModule } from '@nestjs/common';
import { REPLAY_CONFIG, type ReplayConfig } from './replay.config';

/** Makes the config parsed once at start-up injectable everywhere (`@Inject(REPLAY_CONFIG)`). */
@Module({})
export class ReplayConfigModule {
  static forRoot(config: ReplayConfig): DynamicModule {
    return {
      global: true,
      module: ReplayConfigModule,
      providers: [{ provide: REPLAY_CONFIG, useValue: config }],
      exports: [REPLAY_CONFIG],
    };
  }
}
