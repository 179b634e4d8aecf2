/**
 * Create (idempotently) every Kafka topic of the registry in @danmaku/contracts.
 *
 *   npx tsx --tsconfig tools/infra/tsconfig.json tools/infra/create-topics.ts [--json-out FILE] [--quiet]
 *
 * (`npm run infra:up` runs it for you.)
 *
 * Env: KAFKA_BROKERS (default 127.0.0.1:9092), DANMAKU_NAMESPACE (default ''; prefixes names via topicName()),
 *      KAFKA_REPLICATION_FACTOR (default: the broker's default.replication.factor).
 *
 * For each topic of KAFKA_TOPICS it converges the cluster to the registry:
 *  - missing            -> created with the registry's partition count (+ retention.ms if set)
 *  - fewer partitions   -> partitions added (Kafka can't remove partitions: more is only a warning)
 *  - retention differs  -> retention.ms altered (other per-topic overrides are kept)
 * Topics that are not in the registry are left alone.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { ConfigResourceTypes, Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';

// Run with `--tsconfig tools/infra/tsconfig.json` (as up.ts does) so that tsx resolves the alias.
import { KAFKA_TOPICS, topicName, type TopicDefinition } from '@danmaku/contracts';
import { createTopics } from '@danmaku/kafka';

type Action = 'created' | 'partitions-increased' | 'retention-updated' | 'ok';

interface TopicResult {
  key: string;
  name: string;
  partitions: number;
  /** Partitions the topic had before (undefined when created now). */
  previousPartitions?: number;
  retentionMs?: number;
  action: Action;
  warning?: string;
}

const TAG = process.stdout.isTTY && !process.env.NO_COLOR ? '\x1b[36m[topics]\x1b[0m' : '[topics]';

function parseArgs(argv: string[]): { jsonOut?: string; quiet: boolean } {
  const out: { jsonOut?: string; quiet: boolean } = { quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json-out') out.jsonOut = argv[++i];
    else if (a === '--quiet') out.quiet = true;
    else throw new Error(`unknown argument: ${a} (known: --json-out FILE, --quiet)`);
  }
  return out;
}

function registry(namespace: string): Array<{ key: string; def: TopicDefinition; name: string }> {
  const entries = Object.entries(KAFKA_TOPICS as Record<string, TopicDefinition>).map(([key, def]) => ({
    key,
    def,
    name: topicName(def, namespace),
  }));
  const seen = new Set<string>();
  for (const { key, def, name } of entries) {
    if (!Number.isInteger(def.partitions) || def.partitions < 1) {
      throw new Error(`KAFKA_TOPICS.${key}: partitions must be a positive integer (got ${def.partitions})`);
    }
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(name))
      throw new Error(`KAFKA_TOPICS.${key}: invalid topic name "${name}"`);
    if (seen.has(name)) throw new Error(`KAFKA_TOPICS: duplicate topic name "${name}"`);
    seen.add(name);
  }
  return entries;
}

async function currentRetention(admin: Admin, names: string[]): Promise<Map<string, Map<string, string>>> {
  // Per-topic overrides (config source TOPIC_CONFIG = 1); anything else is a broker/default value.
  const result = new Map<string, Map<string, string>>();
  if (names.length === 0) return result;
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  for (const r of res.resources) {
    const overrides = new Map<string, string>();
    for (const e of r.configEntries) {
      if (!e.isDefault && Number(e.configSource) === 1 && !e.isSensitive)
        overrides.set(e.configName, e.configValue);
    }
    result.set(r.resourceName, overrides);
  }
  return result;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const namespace = process.env.DANMAKU_NAMESPACE || '';
  const rf = process.env.KAFKA_REPLICATION_FACTOR ? Number(process.env.KAFKA_REPLICATION_FACTOR) : -1;
  const wanted = registry(namespace);

  const kafka = new Kafka({
    clientId: 'danmaku-create-topics',
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 15000,
    retry: { retries: 5, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const results: TopicResult[] = [];

    // 1. Create missing topics (one request).
    const toCreate: ITopicConfig[] = wanted
      .filter((w) => !existing.has(w.name))
      .map((w) => ({
        topic: w.name,
        numPartitions: w.def.partitions,
        replicationFactor: rf,
        configEntries:
          w.def.retentionMs != null ? [{ name: 'retention.ms', value: String(w.def.retentionMs) }] : [],
      }));
    // Tolerates a concurrent run creating some first (those are then checked like any existing
    // topic below), and waits out the moment a new topic is unknown to the broker's metadata.
    const created = new Set(toCreate.length > 0 ? await createTopics(admin, toCreate) : []);

    // 2. Existing topics: partitions and retention.
    const others = wanted.filter((w) => !created.has(w.name));
    const meta =
      others.length > 0 ? (await admin.fetchTopicMetadata({ topics: others.map((w) => w.name) })).topics : [];
    const partitionsOf = new Map(meta.map((t) => [t.name, t.partitions.length]));
    const overrides = await currentRetention(
      admin,
      others.map((w) => w.name),
    );

    const grow = others.filter((w) => (partitionsOf.get(w.name) ?? 0) < w.def.partitions);
    if (grow.length > 0) {
      await admin.createPartitions({
        topicPartitions: grow.map((w) => ({ topic: w.name, count: w.def.partitions })),
        timeout: 30000,
      });
    }

    const retune = others.filter(
      (w) =>
        w.def.retentionMs != null && overrides.get(w.name)?.get('retention.ms') !== String(w.def.retentionMs),
    );
    if (retune.length > 0) {
      // alterConfigs replaces the topic's whole override set: keep the other overrides.
      await admin.alterConfigs({
        validateOnly: false,
        resources: retune.map((w) => {
          const cfg = new Map(overrides.get(w.name) ?? []);
          cfg.set('retention.ms', String(w.def.retentionMs));
          return {
            type: ConfigResourceTypes.TOPIC,
            name: w.name,
            configEntries: [...cfg].map(([name, value]) => ({ name, value })),
          };
        }),
      });
    }

    for (const w of wanted) {
      const r: TopicResult = {
        key: w.key,
        name: w.name,
        partitions: w.def.partitions,
        retentionMs: w.def.retentionMs,
        action: 'ok',
      };
      if (created.has(w.name)) {
        r.action = 'created';
      } else {
        const had = partitionsOf.get(w.name) ?? 0;
        r.previousPartitions = had;
        if (had < w.def.partitions) r.action = 'partitions-increased';
        else if (retune.includes(w)) r.action = 'retention-updated';
        if (had > w.def.partitions) {
          r.partitions = had;
          r.warning = `has ${had} partitions, registry says ${w.def.partitions} (Kafka cannot shrink a topic; delete it to recreate)`;
        }
      }
      results.push(r);
    }

    if (!args.quiet) {
      const width = Math.max(...results.map((r) => r.name.length));
      for (const r of results) {
        const what =
          r.action === 'created'
            ? 'created'
            : r.action === 'partitions-increased'
              ? `partitions ${r.previousPartitions} -> ${r.partitions}`
              : r.action === 'retention-updated'
                ? 'retention updated'
                : 'exists';
        const ret = r.retentionMs != null ? `, retention ${(r.retentionMs / 3600000).toFixed(0)}h` : '';
        console.log(
          `${TAG} ${r.name.padEnd(width)}  ${String(r.partitions).padStart(2)} partitions${ret}  ${what}`,
        );
      }
    }
    for (const r of results) if (r.warning) console.warn(`${TAG} warning: ${r.name} ${r.warning}`);

    if (args.jsonOut) {
      mkdirSync(dirname(args.jsonOut), { recursive: true });
      writeFileSync(args.jsonOut, `${JSON.stringify({ namespace, brokers, topics: results }, null, 2)}\n`);
    }
  } finally {
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(`${TAG} error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
