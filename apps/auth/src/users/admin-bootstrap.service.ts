import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_LOGGER, ReadinessService } from '@danmaku/platform';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.config';
import { UsersService } from './users.service';

const RETRY_MS = 1_000;

/**
 * The first admin, from ADMIN_USERNAME / ADMIN_PASSWORD. Runs in the background until it
 * succeeds (Redis may come up after us); the app reports ready only once it has.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap, OnApplicationShutdown {
  private done = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly users: UsersService,
    private readonly readiness: ReadinessService,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const { ADMIN_USERNAME: username, ADMIN_PASSWORD: password } = this.config;
    if (username === undefined || password === undefined) return;
    this.readiness.register('admin-account', () => this.done);
    const attempt = (): void => {
      if (this.stopped) return;
      this.users.ensureAdmin(username, password).then(
        () => (this.done = true),
        (err: unknown) => {
          this.logger.warn(
            { err: err instanceof Error ? err.message : String(err) },
            'cannot ensure the admin account yet',
          );
          this.timer = setTimeout(attempt, RETRY_MS);
          this.timer.unref();
        },
      );
    };
    attempt();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
