import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { DanmakuService } from './danmaku/danmaku.service';
import { DocsModule } from './docs/docs.module';
import { NonceRepository } from './danmaku/nonce.repository';
import { SendGateRepository } from './danmaku/send-gate.repository';
import { SubmissionPublisher } from './danmaku/submission.publisher';
import { AcceptedConsumer } from './fanout/accepted.consumer';
import { RecentBufferRepository } from './fanout/recent-buffer.repository';
import { RejectedConsumer } from './fanout/rejected.consumer';
import { RoomFanoutService } from './fanout/room-fanout.service';
import { RoomEventsConsumer } from './fanout/room-events.consumer';
import { PresenceRepository } from './presence/presence.repository';
import { PresenceService } from './presence/presence.service';
import { RoomStateRepository } from './room/room-state.repository';
import { RoomGateway } from './room/room.gateway';
import { RoomService } from './room/room.service';
import { SanctionsRepository } from './room/sanctions.repository';
import { SessionRevocationConsumer } from './session/session-revocation.consumer';
import { TokenExpiryService } from './session/token-expiry.service';
import { ConnectionAuth } from './socket/connection-auth';
import { SocketLimits } from './socket/socket-limits';
import { SocketServerRef } from './socket/socket-server.ref';
import { SocketCommands } from './socket/socket-commands';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig, instanceId: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ app: 'gateway', instanceId, config, verifyTokens: true }),
        DocsModule.forRoot(config),
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        SocketServerRef,
        ConnectionAuth,
        SocketCommands,
        SocketLimits,
        RoomGateway,
        RoomService,
        RoomStateRepository,
        SanctionsRepository,
        PresenceRepository,
        PresenceService,
        DanmakuService,
        NonceRepository,
        SendGateRepository,
        SubmissionPublisher,
        RecentBufferRepository,
        RoomFanoutService,
        AcceptedConsumer,
        RejectedConsumer,
        RoomEventsConsumer,
        SessionRevocationConsumer,
        TokenExpiryService,
      ],
    };
  }
}
