import { Module, type DynamicModule } from '@nestjs/common';
import { KafkaClient, TypedProducer } from '@danmaku/kafka';
import { BearerAuthGuard, PlatformModule } from '@danmaku/platform';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { AUTH_CONFIG, type AuthConfig } from './config/auth.config';
import { JwksController } from './keys/jwks.controller';
import { KEY_ENCRYPTION_KEY, loadKeyEncryptionKey, type KeyEncryptionKey } from './keys/key-encryption';
import { SigningKeyRepository } from './keys/signing-key.repository';
import { SigningKeyService } from './keys/signing-key.service';
import { SigningKeysController } from './keys/signing-keys.controller';
import { AuthMetrics } from './metrics/auth-metrics.service';
import { RateLimitRepository } from './rate-limits/rate-limit.repository';
import { SESSION_EVENTS_PRODUCER, SessionEventsPublisher } from './sessions/session-events.publisher';
import { SessionOutboxRepository } from './sessions/session-outbox.repository';
import { SessionRepository } from './sessions/session.repository';
import { SessionsService } from './sessions/sessions.service';
import { AccessTokenService } from './tokens/access-token.service';
import { tokenVerifierProvider } from './tokens/token-verifier.provider';
import { AdminBootstrapService } from './users/admin-bootstrap.service';
import { PasswordHasher } from './users/password-hasher';
import { UserRepository } from './users/user.repository';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

@Module({})
export class AppModule {
  /** `kek`: the key-encryption key main.ts resolved with the config; read from the env when omitted. */
  static forRoot(config: AuthConfig, instanceId: string, kek?: KeyEncryptionKey): DynamicModule {
    return {
      module: AppModule,
      // No `verifyTokens` (that one reads a JWKS over HTTP): auth feeds the same TokenVerifier
      // from its own key store (tokenVerifierProvider).
      imports: [PlatformModule.forRoot({ app: 'auth', instanceId, config })],
      controllers: [AuthController, UsersController, JwksController, SigningKeysController],
      providers: [
        { provide: AUTH_CONFIG, useValue: config },
        // A factory, so building the module (e.g. for the OpenAPI document) needs no KEK.
        { provide: KEY_ENCRYPTION_KEY, useFactory: () => kek ?? loadKeyEncryptionKey() },
        AuthMetrics,
        SigningKeyRepository,
        SigningKeyService,
        AccessTokenService,
        tokenVerifierProvider,
        BearerAuthGuard,
        SessionRepository,
        SessionOutboxRepository,
        {
          provide: SESSION_EVENTS_PRODUCER,
          inject: [KafkaClient],
          useFactory: (k: KafkaClient) => new TypedProducer(k),
        },
        SessionEventsPublisher,
        SessionsService,
        UserRepository,
        PasswordHasher,
        UsersService,
        AdminBootstrapService,
        RateLimitRepository,
        AuthService,
      ],
    };
  }
}
