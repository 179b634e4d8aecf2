import { Inject, Injectable } from '@nestjs/common';
import { KAFKA_TOPICS, type DanmakuRejected } from '@danmaku/contracts';
import { ConsumerHost, type ConsumedMessage } from '@danmaku/kafka';
import { APP_IDENTITY, MetricsService, type AppIdentity } from '@danmaku/platform';
import { SocketServerRef } from '../socket/socket-server.ref';
import { instancePurpose } from './instance-group';

/**
 * Tells a sender, and only that socket, why its danmaku was refused. Every instance reads
 * every rejection (its own group) and answers the senders connected to it; `/readyz` checks
 * `kafka:gateway.rejections`.
 */
@Injectable()
export class RejectedConsumer {
  private readonly rejected;

  constructor(
    host: ConsumerHost,
    private readonly server: SocketServerRef,
    metrics: MetricsService,
    @Inject(APP_IDENTITY) identity: AppIdentity,
  ) {
    this.rejected = metrics.counter(
      'gateway_rejections_delivered_total',
      'danmaku:rejected sent to senders',
      ['code'],
    );
    host.add({
      topic: KAFKA_TOPICS.danmakuRejected,
      app: 'gateway',
      purpose: instancePurpose('rejections', identity.instanceId),
      name: 'rejections',
      fromBeginning: false,
      handleBatch: async (messages) => this.notify(messages),
    });
  }

  private notify(messages: ConsumedMessage<DanmakuRejected>[]): void {
    for (const { value } of messages) {
      // A socket id is also a Socket.IO room; only the instance holding it finds it.
      if (!this.server.io.sockets.sockets.has(value.origin.socketId)) continue;
      this.server.io.local.to(value.origin.socketId).emit('danmaku:rejected', {
        roomId: value.roomId,
        id: value.id,
        ...(value.nonce ? { nonce: value.nonce } : {}),
        code: value.code,
        reason: value.reason,
      });
      this.rejected.inc({ code: value.code });
    }
  }
}
