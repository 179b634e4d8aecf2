import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, runHttpApp } from '@danmaku/platform';
import { AppModule } from './app.module';
import { loadAuthConfig, type AuthConfig } from './config/auth.config';
import { loadKeyEncryptionKey, type KeyEncryptionKey } from './keys/key-encryption';
import { setupOpenApi } from './openapi/openapi';

let kek: KeyEncryptionKey;

void runHttpApp({
  app: 'auth',
  cors: true,
  // The KEK with the config: a missing or malformed AUTH_KEK is named with the other variables.
  loadConfig: () => {
    const problems: string[] = [];
    const attempt = <T>(load: () => T): T | undefined => {
      try {
        return load();
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        problems.push(...e.problems);
        return undefined;
      }
    };
    const config = attempt(() => loadAuthConfig());
    kek = attempt(() => loadKeyEncryptionKey()) as KeyEncryptionKey;
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
  },
  port: (c: AuthConfig) => c.AUTH_PORT,
  createModule: (c: AuthConfig, instanceId: string) => AppModule.forRoot(c, instanceId, kek),
  configure: (nest) => {
    // Trusted proxies (TRUSTED_PROXIES), helmet and no X-Powered-By: runHttpApp, as in every app.
    setupOpenApi(nest as NestExpressApplication);
  },
});
