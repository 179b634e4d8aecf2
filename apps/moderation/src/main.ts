import 'reflect-metadata';
import { runHttpApp } from '@danmaku/platform';
import { AppModule } from './app.module';
import { setupOpenApi } from './openapi/openapi';
import { loadModerationConfig, type ModerationConfig } from './config/moderation.config';

void runHttpApp({
  app: 'moderation',
  cors: true,
  loadConfig: () => loadModerationConfig(),
  port: (c: ModerationConfig) => c.MODERATION_PORT,
  createModule: (c: ModerationConfig, instanceId: string) => AppModule.forRoot(c, instanceId),
  configure: (nest) => setupOpenApi(nest),
});
