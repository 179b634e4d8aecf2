/**
 * `replay-rebuild`: rebuilds the replay store (one room, or all) from Kafka.
 *
 *   npx tsx --tsconfig tsconfig.base.json apps/replay/src/rebuild/rebuild.main.ts --room <roomId> | --all
 *   node dist/apps/replay/rebuild.js --room <roomId> | --all        (built by `nx build replay`)
 *
 * Environment as for the replay app (DANMAKU_NAMESPACE, KAFKA_BROKERS, REDIS_URL,
 * REPLAY_RETENTION_DAYS). Exit code 0: done; 1: failed; 2: bad command line.
 * See docs/operations/replay.md.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import { KafkaClient, type KafkaLogger } from '@danmaku/kafka';
import { ConfigError, createRedisClient, MetricsService } from '@danmaku/platform';
import { loadReplayConfig } from '../config/replay.config';
import { IngestService } from '../ingest/ingest.service';
import { ReplayMetrics } from '../metrics/replay.metrics';
import { RoomEventsService } from '../room-events/room-events.service';
import { ReplayMaintenanceRepository } from '../store/replay-maintenance.repository';
import { ReplayStoreRepository } from '../store/replay-store.repository';
import { parseRebuildArgs, REBUILD_USAGE, UsageError } from './rebuild-args';
import { formatProgress, formatSummary } from './rebuild-progress';
import { RebuildService } from './rebuild.service';
import { TopicReader } from './topic-reader';

/** Kafka's own warnings, on stderr beside the progress (stdout keeps only the summary). */
const stderrLogger: KafkaLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => console.error(`warn: ${msg ?? ''} ${JSON.stringify(obj)}`),
  error: (obj, msg) => console.error(`error: ${msg ?? ''} ${JSON.stringify(obj)}`),
};

async function main(): Promise<number> {
  let options;
  try {
    options = parseRebuildArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${REBUILD_USAGE}`);
    return 2;
  }
  const config = loadReplayConfig();
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const redis = createRedisClient({
    url: config.REDIS_URL,
    namespace: config.DANMAKU_NAMESPACE,
    name: `replay-rebuild:${runId}`,
  });
  const kafka = new KafkaClient({
    brokers: config.KAFKA_BROKERS,
    clientId: `replay-rebuild-${runId}`,
    namespace: config.DANMAKU_NAMESPACE,
    logger: stderrLogger,
  });
  const metrics = new ReplayMetrics(new MetricsService());
  const store = new ReplayStoreRepository(redis);
  const rebuild = new RebuildService(
    // Throw-away groups (`replay.rebuild-<run>-…`), deleted when the run ends.
    new TopicReader(kafka, KAFKA_TOPICS.danmakuAccepted, `rebuild-${runId}-accepted`, options.stallTimeoutMs),
    new TopicReader(kafka, KAFKA_TOPICS.roomEvents, `rebuild-${runId}-room-events`, options.stallTimeoutMs),
    new IngestService(store, metrics, config),
    new RoomEventsService(store, metrics),
    new ReplayMaintenanceRepository(redis),
  );
  const target = options.scope.kind === 'room' ? `room ${options.scope.roomId}` : 'all rooms';
  console.error(
    `replay rebuild of ${target} (namespace "${config.DANMAKU_NAMESPACE}") from Kafka ${config.KAFKA_BROKERS.join(',')}`,
  );
  try {
    const summary = await rebuild.run(
      options.scope,
      (p) => console.error(formatProgress(p)),
      options.progressEveryMs,
    );
    console.log(options.json ? JSON.stringify(summary) : formatSummary(summary));
    return 0;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError
        ? error.message
        : `replay rebuild failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
