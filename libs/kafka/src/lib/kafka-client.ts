import { ConfigResourceTypes, Kafka, logLevel, type LogEntry, type ITopicConfig } from 'kafkajs';
import { topicName, type TopicDefinition } from '@danmaku/contracts';
import { BrokerProbe } from './broker-probe';
import { DeadLetterPublisher } from './dead-letter';
import { silentLogger, type KafkaLogger } from './logger';
import { fixLoadedKafkajs } from './request-queue-fix';
import { createTopics } from './topics';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** Deployment namespace prefixed to topic and group names (empty by default). */
  namespace?: string;
  logger?: KafkaLogger;
  /** Where every consumer of this client reports lag and skips (one metric for all apps). */
  metrics?: ConsumerMetricsSink;
}

/** Consumer figures, labelled by group, topic and partition (see TypedConsumer). */
export interface ConsumerMetricsSink {
  lag(labels: { group: string; topic: string; partition: string }, lag: number): void;
  skipped(labels: { group: string; topic: string; reason: string }): void;
}

/** One connection factory per process: topics, producers and consumers share its settings. */
export class KafkaClient {
  readonly kafka: Kafka;
  readonly namespace: string;
  readonly logger: KafkaLogger;
  /** Whether the cluster answers now (started by the app: `probe.start()`). */
  readonly probe: BrokerProbe;
  /** Shared by this client's consumers: their poison messages go to `<topic>.dlq`. */
  readonly deadLetters: DeadLetterPublisher;
  private minSessionTimeout?: Promise<number>;

  constructor(readonly options: KafkaClientOptions) {
    this.namespace = options.namespace ?? '';
    this.logger = options.logger ?? silentLogger;
    const log = this.logger;
    // Before any connection exists: kafkajs' idle 1 ms timer loop (see request-queue-fix.ts).
    fixLoadedKafkajs((message) => log.warn({}, message));
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ namespace, level, log: entry }: LogEntry) => {
          const { message, ...extra } = entry;
          const fields = { kafka: namespace, ...extra };
          if (level === logLevel.ERROR) log.error(fields, message);
          else if (level === logLevel.WARN) log.warn(fields, message);
          else log.debug(fields, message);
        },
    });
    this.probe = new BrokerProbe(this.kafka, this.logger);
    this.deadLetters = new DeadLetterPublisher(this);
  }

  /** The brokers' `group.min.session.timeout.ms` (the shortest session a group member may ask for). */
  async minSessionTimeoutMs(): Promise<number> {
    this.minSessionTimeout ??= this.describeMinSessionTimeout().catch((error: unknown) => {
      this.minSessionTimeout = undefined;
      throw error;
    });
    return this.minSessionTimeout;
  }

  private async describeMinSessionTimeout(): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { brokers } = await admin.describeCluster();
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: brokers.map((b) => ({
          type: ConfigResourceTypes.BROKER,
          name: String(b.nodeId),
          configNames: ['group.min.session.timeout.ms'],
        })),
      });
      const values = resources.flatMap((r) => r.configEntries.map((e) => Number(e.configValue)));
      return Math.max(0, ...values.filter(Number.isFinite));
    } finally {
      await admin.disconnect();
    }
  }

  topic(def: TopicDefinition): string {
    return topicName(def, this.namespace);
  }

  /** Creates the topics that do not exist yet, with their registry partition counts. */
  async ensureTopics(defs: TopicDefinition[]): Promise<void> {
    await this.ensureTopicConfigs(
      defs.map((d) => ({
        topic: this.topic(d),
        numPartitions: d.partitions,
        replicationFactor: -1,
        configEntries: d.retentionMs ? [{ name: 'retention.ms', value: String(d.retentionMs) }] : [],
      })),
    );
  }

  /** Creates the topics that do not exist yet and waits for their leaders (see `createTopics`). */
  async ensureTopicConfigs(topics: ITopicConfig[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await createTopics(admin, topics, this.logger);
    } finally {
      await admin.disconnect();
    }
  }
}
