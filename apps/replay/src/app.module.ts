import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@danmaku/platform';
import type { ReplayConfig } from './config/replay.config';

@Module({})
export class AppModule {
  static forRoot(config: ReplayConfig, instanceId: string): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot({ app: 'replay', instanceId, config })],
    };
  }
}
