#!/usr/bin/env node
// npm run infra:up — make sure Kafka + Redis are reachable and the topics exist.
//
//   KAFKA_BROKERS      default 127.0.0.1:9092   (reused if it answers, else a local KRaft broker is started)
//   REDIS_URL          default redis://127.0.0.1:6379 (reused if it answers PING, else redis-server is started)
//   DANMAKU_NAMESPACE  default ''  (prefix for topic names, via topicName() from @danmaku/contracts)
//   KAFKA_HEAP_OPTS    default '-Xms512m -Xmx1g';  KAFKA_OPTS: extra JVM flags
//   KAFKA_CONTROLLER_PORT  default 9093 (or broker port + 1 when the broker port is not 9092)
//   KAFKA_START_TIMEOUT_MS default 90000
//
// Flags: --no-topics (skip topic creation), --quiet (summary only).
//
// Everything it starts is detached (survives this process), recorded in
// .data/infra/state.json and pidfiles, and stopped by `npm run infra:down`.
// Programmatic use: `import { infraUp } from './tools/infra/up.mjs'`.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { DEFAULT_KAFKA_BROKERS, ensureKafka } from './kafka.mjs';
import { pinnedKafkaVersion } from './kafka-jars.mjs';
import {
  ROOT,
  UserError,
  c,
  fmtSecs,
  isMain,
  localBin,
  logger,
  paths,
  runCli,
  withDirLock,
  rel,
} from './lib.mjs';
import { DEFAULT_REDIS_URL, ensureRedis } from './redis.mjs';

// What other scripts import from here.
export { DEFAULT_KAFKA_BROKERS, parseBrokers, probeKafka } from './kafka.mjs';
export { ensureKafkaLibs, pinnedKafkaVersion } from './kafka-jars.mjs';
export { isLoopback, isPortOpen } from './lib.mjs';
export { DEFAULT_REDIS_URL, parseRedisUrl, pingRedis, redactUrl } from './redis.mjs';

const log = logger('infra');

// ---------------------------------------------------------------------------
// Topics (delegated to create-topics.ts, which imports the registry from @danmaku/contracts)

async function ensureTopics({ brokers, namespace, quiet }) {
  const tsx = localBin('tsx');
  if (!tsx) {
    throw new UserError(
      'tsx is not installed (node_modules/.bin/tsx missing); cannot load the topic registry',
      {
        hint: 'Run `npm ci` first.',
      },
    );
  }
  const outFile = join(paths.dataDir, 'infra', 'topics.json');
  rmSync(outFile, { force: true });
  const args = [
    '--tsconfig',
    join(ROOT, 'tools', 'infra', 'tsconfig.json'),
    join(ROOT, 'tools', 'infra', 'create-topics.ts'),
    '--json-out',
    outFile,
  ];
  if (quiet) args.push('--quiet');
  const code = await new Promise((resolvePromise, reject) => {
    const child = spawn(tsx, args, {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, KAFKA_BROKERS: brokers, DANMAKU_NAMESPACE: namespace },
    });
    child.on('error', reject);
    child.on('exit', (exitCode) => resolvePromise(exitCode ?? 1));
  });
  if (code !== 0) throw new UserError(`topic creation failed (tools/infra/create-topics.ts exited ${code})`);
  return JSON.parse(readFileSync(outFile, 'utf8'));
}

// ---------------------------------------------------------------------------
// Main

/**
 * Ensure Kafka + Redis are up and topics exist. Safe to call repeatedly.
 * @param {{ topics?: boolean, quiet?: boolean }} [opts]
 * @returns {Promise<object>} the state written to .data/infra/state.json
 */
export async function infraUp({ topics = true, quiet = false } = {}) {
  const t0 = Date.now();
  const kafkaBrokers = process.env.KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const namespace = process.env.DANMAKU_NAMESPACE || '';

  const lockDir = join(paths.dataDir, 'infra', 'up.lock');
  const onWait = (pid) => log.info(`another infra:up/down is running (pid ${pid ?? '?'}); waiting for it…`);
  return withDirLock(
    lockDir,
    async () => {
      // In parallel; wait for both even if one fails, so nothing is left half-started in the background.
      const settled = await Promise.allSettled([ensureRedis(redisUrl), ensureKafka(kafkaBrokers)]);
      const failed = settled.filter((s) => s.status === 'rejected');
      if (failed.length > 1) log.error(failed[1].reason?.message ?? String(failed[1].reason));
      if (failed.length > 0) throw failed[0].reason;
      const [redis, kafka] = settled.map((s) => s.value);
      const topicResult = topics ? await ensureTopics({ brokers: kafkaBrokers, namespace, quiet }) : null;

      const state = {
        updatedAt: new Date().toISOString(),
        namespace,
        kafka: {
          ...kafka,
          version: kafka.managed ? pinnedKafkaVersion() : undefined,
          config: kafka.managed ? rel(paths.kafkaConfig) : undefined,
          log: kafka.managed ? rel(paths.kafkaLog) : undefined,
          pidFile: kafka.managed ? rel(paths.kafkaPid) : undefined,
        },
        redis: {
          ...redis,
          log: redis.managed ? rel(paths.redisLog) : undefined,
          pidFile: redis.managed ? rel(paths.redisPid) : undefined,
        },
        topics: topicResult?.topics ?? null,
      };
      mkdirSync(dirname(paths.infraState), { recursive: true });
      writeFileSync(paths.infraState, `${JSON.stringify(state, null, 2)}\n`);

      const how = (x) =>
        x.startedNow
          ? c.green(`started (pid ${x.pid})`)
          : x.managed
            ? `reused (started earlier by infra:up, pid ${x.pid})`
            : 'reused (already running, not managed by infra:up)';
      const kafkaExtra = kafka.startedNow
        ? c.dim(
            ` — Kafka ${pinnedKafkaVersion()}, ready in ${fmtSecs(kafka.startMs)}${kafka.downloadedJars ? ', jars downloaded' : ''}`,
          )
        : '';
      log.info(`${c.bold('Kafka ')} ${kafkaBrokers}  ${how(kafka)}${kafkaExtra}`);
      log.info(`${c.bold('Redis ')} ${redis.url}  ${how(redis)}`);
      if (topicResult) {
        const count = (action) => topicResult.topics.filter((t) => t.action === action).length;
        const parts = [
          [count('created'), 'created'],
          [count('partitions-increased'), 'grown'],
          [count('retention-updated'), 'retention updated'],
          [count('ok'), 'already ok'],
        ].filter(([n], i) => n > 0 || i === 0 || i === 3);
        log.info(
          `${c.bold('Topics')} ${topicResult.topics.length} ensured` +
            ` (${parts.map(([n, what]) => `${n} ${what}`).join(', ')})` +
            (namespace ? ` in namespace "${namespace}"` : ''),
        );
      } else {
        log.info(`${c.bold('Topics')} skipped (--no-topics)`);
      }
      log.ok(
        `infra ready in ${fmtSecs(Date.now() - t0)}` +
          c.dim(`  (state: ${rel(paths.infraState)}; stop with: npm run infra:down)`),
      );
      return state;
    },
    { onWait },
  );
}

if (isMain(import.meta.url)) {
  runCli('infra', async () => {
    const argv = process.argv.slice(2);
    const unknown = argv.filter((a) => !['--no-topics', '--quiet', '--skip-deps'].includes(a));
    if (unknown.length)
      throw new UserError(
        `unknown argument(s): ${unknown.join(' ')}  (known: --no-topics --quiet --skip-deps)`,
      );
    if (!argv.includes('--skip-deps')) {
      const { ensureDeps } = await import('../scripts/ensure-deps.mjs');
      await ensureDeps();
    }
    await infraUp({ topics: !argv.includes('--no-topics'), quiet: argv.includes('--quiet') });
    return 0;
  });
}
