import type { Admin, ITopicConfig } from 'kafkajs';
import { silentLogger, type KafkaLogger } from './logger';

/** How long `createTopics` waits, by default, for the topics' partitions to get leaders. */
export const TOPIC_READY_TIMEOUT_MS = 30_000;

/**
 * Creates the topics that do not exist yet and waits until each of their partitions has a
 * leader. A topic just created (here, or by another process starting at the same moment) can
 * be unknown to the broker's metadata for a while (`UNKNOWN_TOPIC_OR_PARTITION`), which
 * kafkajs' own `waitForLeaders` does not tolerate: it throws, and a process starting then
 * would exit. Retriable errors are retried here until `timeoutMs` has passed, then thrown.
 * Resolves to the topics this call created.
 */
export async function createTopics(
  admin: Admin,
  topics: ITopicConfig[],
  logger: KafkaLogger = silentLogger,
  timeoutMs = TOPIC_READY_TIMEOUT_MS,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const created: string[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.topic));
      // `false` when another process created them first; the wait below covers both cases.
      if (missing.length > 0 && (await admin.createTopics({ topics: missing, waitForLeaders: false }))) {
        created.push(...missing.map((t) => t.topic));
        logger.info({ topics: missing.map((t) => t.topic) }, 'kafka topics created');
      }
      await awaitLeaders(admin, topics);
      return created;
    } catch (error) {
      if (!isRetriable(error) || Date.now() >= deadline) throw error;
      const delay = Math.min(1000, 50 * 2 ** attempt);
      logger.warn(
        { topics: topics.map((t) => t.topic), attempt, delay, error: String(error) },
        'kafka topics not ready yet, retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Thrown (and retried) while a topic's partitions are unknown or have no leader. */
export class TopicsNotReadyError extends Error {
  readonly retriable = true;

  constructor(message: string) {
    super(message);
    this.name = 'TopicsNotReadyError';
  }
}

/** Whether kafkajs (or our own wait) says the operation may succeed when tried again. */
function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

async function awaitLeaders(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
  for (const t of topics) {
    const partitions = metadata.topics.find((m) => m.name === t.topic)?.partitions ?? [];
    const leaderless = partitions.filter((p) => p.leader < 0).length;
    if (partitions.length === 0 || leaderless > 0) {
      throw new TopicsNotReadyError(
        `topic ${t.topic}: ${partitions.length} partitions known, ${leaderless} without a leader`,
      );
    }
  }
}
