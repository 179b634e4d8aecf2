import { Inject, Injectable } from '@nestjs/common';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { ConsumerHost } from '@danmaku/kafka';
import { APP_IDENTITY, type AppIdentity } from '@danmaku/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { instancePurpose } from './instance-group';
import { RoomFanoutService } from './room-fanout.service';

/**
 * Every gateway instance reads every partition of `danmaku.accepted.v1` and writes each
 * room's danmaku to its own sockets (goim's comets do the same; ADR 0008). No instance
 * depends on another for live delivery: one dying freezes nobody else's rooms, and the
 * Redis adapter stays out of the hot path (it still carries notices across instances).
 *
 * The group is this process's own and starts at the live edge: earlier danmaku are in the
 * recent buffer (written by moderation before it published them), which is where a
 * (re)joining viewer catches up from. Handling never waits for a merge window, so the next
 * fetch overlaps the current window, and offsets are not committed (nothing resumes from
 * them). `/readyz` checks `kafka:gateway.fanout`.
 */
@Injectable()
export class AcceptedConsumer {
  constructor(
    host: ConsumerHost,
    fanout: RoomFanoutService,
    @Inject(APP_IDENTITY) identity: AppIdentity,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    host.add({
      topic: KAFKA_TOPICS.danmakuAccepted,
      app: 'gateway',
      purpose: instancePurpose('fanout', identity.instanceId),
      name: 'fanout',
      fromBeginning: false,
      commitOffsets: false,
      partitionsConsumedConcurrently: KAFKA_TOPICS.danmakuAccepted.partitions,
      // Under load, at most one fetch per GATEWAY_FANOUT_MIN_CYCLE_MS: fewer, larger fetches.
      minCycleMs: config.GATEWAY_FANOUT_MIN_CYCLE_MS,
      handleBatch: async (messages) => fanout.enqueue(messages.map((m) => m.value)),
    });
  }
}
