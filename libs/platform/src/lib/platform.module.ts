import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import type Redis from 'ioredis';
import { sharedRedisKeys } from '@danmaku/contracts';
import { ConsumerHost, KafkaClient } from '@danmaku/kafka';
import type { CommonConfig } from './config/config';
import { HealthController } from './health/health.controller';
import { MetricsService } from './health/metrics.service';
import { ReadinessService } from './health/readiness.service';
import { MetricsEndpoint } from './health/metrics-endpoint';
import { createRedisClient, redisIsUsable } from './redis/redis';
import { redisPersistence } from './redis/persistence';
import { TokenVerifier } from './auth/token-verifier';
import { BearerAuthGuard } from './auth/bearer-auth.guard';
import { createAppLogger } from './logging/logger';

/** Injection tokens for the shared infrastructure clients. */
export const REDIS = Symbol('REDIS');
export const APP_LOGGER = Symbol('APP_LOGGER');
export const APP_IDENTITY = Symbol('APP_IDENTITY');

export interface AppIdentity {
  app: string;
  instanceId: string;
}

export interface PlatformOptions {
  app: string;
  instanceId: string;
  config: CommonConfig;
  /** Provide TokenVerifier / BearerAuthGuard (apps that accept access tokens). */
  verifyTokens?: boolean;
}

@Injectable()
class InfraLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly kafka: KafkaClient,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /** Says loudly when this app's state lives in a Redis that keeps nothing on disk. */
  async onApplicationBootstrap(): Promise<void> {
    const persistence = await redisPersistence(this.redis);
    if (persistence && !persistence.aof && !persistence.rdbSaves) {
      this.logger.warn(
        { aof: false, rdbSnapshots: false },
        'REDIS PERSISTENCE IS OFF: a Redis restart loses this app\'s state (accounts, room seqs, recordings…); see the README, "What lives in Redis"',
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.kafka.probe.stop();
    await this.kafka.deadLetters.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Starts the app's Kafka consumers with it, and stops them before its producers close. */
@Injectable()
class ConsumerHostLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly host: ConsumerHost) {}

  onApplicationBootstrap(): void {
    this.host.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.host.stop();
  }
}

/**
 * What every app needs: logging, `/healthz` `/readyz`, `/metrics` (MetricsEndpoint), a Redis client,
 * a Kafka client with the host of its consumers and (optionally) the access-token verifier.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const { app, instanceId, config } = options;
    const logger = createAppLogger(app, config.LOG_LEVEL, instanceId, {
      format: config.LOG_FORMAT,
      nodeEnv: config.NODE_ENV,
    });
    const providers: Provider[] = [
      { provide: APP_IDENTITY, useValue: { app, instanceId } satisfies AppIdentity },
      { provide: APP_LOGGER, useValue: logger },
      ReadinessService,
      {
        provide: MetricsService,
        useFactory: () => {
          const m = new MetricsService();
          m.setApp(app, instanceId);
          return m;
        },
      },
      {
        provide: REDIS,
        inject: [ReadinessService],
        useFactory: (readiness: ReadinessService) => {
          const redis = createRedisClient({
            url: config.REDIS_URL,
            namespace: config.DANMAKU_NAMESPACE,
            name: `${app}:${instanceId}`,
          });
          redis.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
          readiness.register('redis', () => redisIsUsable(redis));
          return redis;
        },
      },
      {
        provide: KafkaClient,
        inject: [ReadinessService, MetricsService],
        useFactory: (readiness: ReadinessService, metrics: MetricsService) => {
          // One lag gauge and one skip counter for every consumer of every app.
          const lag = metrics.gauge(
            'kafka_consumer_lag',
            'Messages behind the partition end, per consumer group',
            ['group', 'topic', 'partition'],
          );
          const skipped = metrics.counter(
            'kafka_consumer_skipped_total',
            'Messages that can never be handled, parked on <topic>.dlq',
            ['group', 'topic', 'reason'],
          );
          const kafka = new KafkaClient({
            brokers: config.KAFKA_BROKERS,
            clientId: `${app}-${instanceId}`,
            namespace: config.DANMAKU_NAMESPACE,
            logger: logger.child({ component: 'kafka' }) as Logger,
            metrics: {
              lag: (labels, value) => lag.set(labels, value),
              skipped: (labels) => skipped.inc(labels),
            },
          });
          // A stalled or stopped broker shows in /readyz within seconds, not after retries.
          kafka.probe.start();
          readiness.register('kafka-broker', () => kafka.probe.reachable);
          return kafka;
        },
      },
      {
        provide: ConsumerHost,
        inject: [KafkaClient, ReadinessService],
        useFactory: (kafka: KafkaClient, readiness: ReadinessService) => new ConsumerHost(kafka, readiness),
      },
      ConsumerHostLifecycle,
      InfraLifecycle,
      MetricsEndpoint,
    ];
    const exported: NonNullable<DynamicModule['exports']> = [
      APP_IDENTITY,
      APP_LOGGER,
      REDIS,
      KafkaClient,
      ConsumerHost,
      ReadinessService,
      MetricsService,
      MetricsEndpoint,
    ];
    if (options.verifyTokens) {
      providers.push(
        {
          provide: TokenVerifier,
          inject: [REDIS],
          useFactory: (redis: Redis) =>
            new TokenVerifier({
              jwksUrl: config.AUTH_JWKS_URL,
              issuer: config.TOKEN_ISSUER,
              audience: config.TOKEN_AUDIENCE,
              // A logged-out session's tokens stop working at once, not when they expire.
              isRevoked: async (sid) => (await redis.exists(sharedRedisKeys.revokedSession(sid))) === 1,
            }),
        },
        BearerAuthGuard,
      );
      exported.push(TokenVerifier, BearerAuthGuard);
    }
    return {
      global: true,
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
            customProps: () => ({ context: 'http' }),
          },
        }),
      ],
      controllers: [HealthController],
      providers,
      exports: exported,
    };
  }
}
