import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { runHttpApp } from '@danmaku/platform';
import { AppModule } from './app.module';
import { loadAuthConfig, type AuthConfig } from './config/auth.config';
import { setupOpenApi } from './openapi/openapi';

void runHttpApp({
  app: 'auth',
  cors: true,
  loadConfig: () => loadAuthConfig(),
  port: (c: AuthConfig) => c.AUTH_PORT,
  createModule: (c: AuthConfig, instanceId: string) => AppModule.forRoot(c, instanceId),
  configure: (nest, c: AuthConfig) => {
    const app = nest as NestExpressApplication;
    // Off by default: rate limits then key on the socket peer, and a client cannot pick
    // its own address with X-Forwarded-For. Turn on only behind a proxy that sets it.
    app.set('trust proxy', c.TRUST_PROXY);
    app.disable('x-powered-by');
    setupOpenApi(app);
  },
});
