import 'reflect-metadata';
import { runHttpApp } from '@danmaku/platform';
import { AppModule } from './app.module';
import { loadReplayConfig, type ReplayConfig } from './config/replay.config';
import { setupOpenApi } from './openapi/openapi';

void runHttpApp({
  app: 'replay',
  cors: true,
  loadConfig: () => loadReplayConfig(),
  port: (c: ReplayConfig) => c.REPLAY_PORT,
  createModule: (c: ReplayConfig, instanceId: string) => AppModule.forRoot(c, instanceId),
  configure: (nest) => setupOpenApi(nest),
});
