import { Injectable } from '@nestjs/common';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { ConsumerHost } from '@danmaku/kafka';
import { IngestService } from './ingest.service';

/**
 * `danmaku.accepted.v1` → the store (group `replay.store`). A new group starts from the
 * beginning so a fresh replay store fills itself from Kafka's retention. The app's
 * ConsumerHost starts and stops it; `/readyz` checks `kafka:replay.store`.
 */
@Injectable()
export class DanmakuAcceptedConsumer {
  constructor(host: ConsumerHost, ingest: IngestService) {
    host.add({
      topic: KAFKA_TOPICS.danmakuAccepted,
      app: 'replay',
      purpose: 'store',
      fromBeginning: true,
      // One fetch's partitions in one ingest call (one pipelined round trip for all its
      // rooms); the next fetch is read while it is stored, and offsets are committed at most
      // every 500 ms, always after their batch is stored.
      partitionsConsumedConcurrently: KAFKA_TOPICS.danmakuAccepted.partitions,
      coalescePartitions: true,
      pipelined: true,
      commitIntervalMs: 500,
      // Replay is not on the live path: read a busy topic in few large fetches (≤ 250 ms late).
      minBytes: 64 * 1024,
      maxWaitTimeInMs: 250,
      handleBatch: async (messages) => {
        await ingest.ingest(messages.map((m) => m.value.danmaku));
      },
    });
  }
}
