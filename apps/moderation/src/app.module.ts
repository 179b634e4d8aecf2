import { Module, type DynamicModule } from '@nestjs/common';
import {
  MODERATION_HTTP_LIMITS,
  PlatformModule,
  httpRateLimitProviders,
  loadHttpRateLimitConfig,
} from '@danmaku/platform';
import { AccessService } from './access/access.service';
import { AuthenticatedGuard } from './access/authenticated.guard';
import { ModeratorsRepository } from './access/moderators.repository';
import { RevocationRepository } from './access/revocation.repository';
import { AuditController } from './audit/audit.controller';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import {
  RoomBlockedTermsController,
  SiteBlockedTermsController,
} from './blocked-terms/blocked-terms.controller';
import { BlockedTermsRepository } from './blocked-terms/blocked-terms.repository';
import { BlockedTermsService } from './blocked-terms/blocked-terms.service';
import { FilterTermMatcher } from './blocked-terms/filter-term.matcher';
import { TERM_MATCHER } from './blocked-terms/term-matcher';
import { TermSetCache } from './blocked-terms/term-set.cache';
import { Clock } from './common/clock';
import { MODERATION_CONFIG, type ModerationConfig } from './config/moderation.config';
import { DanmakuController } from './danmaku/danmaku.controller';
import { DanmakuService } from './danmaku/danmaku.service';
import { DecideConsumer } from './decision/decide.consumer';
import { DecisionContextCache } from './decision/decision-context.cache';
import { DecisionContextRepository } from './decision/decision-context.repository';
import { DECISION_POLICY, DecisionPolicy } from './decision/decision-policy.service';
import { DecisionStoreRepository } from './decision/decision-store.repository';
import { RecentBufferRepository } from './decision/recent-buffer.repository';
import { DecisionMetrics } from './decision/decision.metrics';
import { DecisionService } from './decision/decision.service';
import { DecisionEventsRepository } from './messaging/decision-events.repository';
import { KafkaConnection } from './messaging/kafka-connection.service';
import { RoomEventsRepository } from './messaging/room-events.repository';
import { RoomStateRepository } from './rooms/room-state.repository';
import { RoomsController } from './rooms/rooms.controller';
import { RoomsService } from './rooms/rooms.service';
import { RoomSanctionsController, SiteBansController } from './sanctions/sanctions.controller';
import { SanctionsRepository } from './sanctions/sanctions.repository';
import { SanctionsService } from './sanctions/sanctions.service';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';

@Module({})
export class AppModule {
  static forRoot(config: ModerationConfig, instanceId: string): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot({ app: 'moderation', instanceId, config, verifyTokens: true })],
      controllers: [
        RoomsController,
        SessionsController,
        RoomBlockedTermsController,
        SiteBlockedTermsController,
        RoomSanctionsController,
        SiteBansController,
        DanmakuController,
        AuditController,
      ],
      providers: [
        { provide: MODERATION_CONFIG, useValue: config },
        // Per address before authentication, per user after (HTTP_RATE_LIMIT_*).
        ...httpRateLimitProviders(loadHttpRateLimitConfig(MODERATION_HTTP_LIMITS), 'mod'),
        Clock,
        // messaging
        KafkaConnection,
        RoomEventsRepository,
        DecisionEventsRepository,
        // access
        AuthenticatedGuard,
        RevocationRepository,
        ModeratorsRepository,
        AccessService,
        // features
        AuditRepository,
        AuditService,
        RoomStateRepository,
        RoomsService,
        SessionsService,
        { provide: TERM_MATCHER, useClass: FilterTermMatcher },
        BlockedTermsRepository,
        BlockedTermsService,
        TermSetCache,
        SanctionsRepository,
        SanctionsService,
        DanmakuService,
        // decision pipeline
        {
          provide: DECISION_POLICY,
          useValue: new DecisionPolicy({
            floodMax: config.MODERATION_FLOOD_MAX,
            floodWindowMs: config.MODERATION_FLOOD_WINDOW_MS,
            duplicateWindowMs: config.MODERATION_DUPLICATE_WINDOW_MS,
          }),
        },
        DecisionContextRepository,
        DecisionContextCache,
        DecisionStoreRepository,
        RecentBufferRepository,
        DecisionMetrics,
        DecisionService,
        DecideConsumer,
      ],
    };
  }
}
