// npm run infra:up — make sure Kafka + Redis are reachable and the topics exist.
// (Entered through up.mjs, which installs node_modules first; README.md says what it does.)
//
//   KAFKA_BROKERS      default 127.0.0.1:9092   (reused if it answers, else a local KRaft broker is started)
//   REDIS_URL          default redis://127.0.0.1:6379 (reused if it answers PING, else redis-server is started)
//   DANMAKU_NAMESPACE  default ''  (prefix for topic names, via topicName() from @danmaku/contracts)
//
// Flags: --no-topics (skip topic creation), --quiet (summary only), --skip-deps (read by up.mjs).
//
// Everything it starts is detached (survives this process), recorded in
// .data/infra/state.json and pidfiles, and stopped by `npm run infra:down`.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { ROOT, UserError, c, checkArgs, errorText, fmtSecs, logger, paths, rel, runCli } from './cli';
import { DEFAULT_KAFKA_BROKERS, ensureKafka, type KafkaState } from './kafka';
import { pinnedKafkaVersion } from './kafka-jars';
import { localBin, withDirLock } from './processes';
import { DEFAULT_REDIS_URL, ensureRedis, type RedisState } from './redis';

const log = logger('infra');

interface TopicsResult {
  topics: Array<{ action: 'created' | 'partitions-increased' | 'retention-updated' | 'ok' }>;
}

/** Runs create-topics.ts (through tsx: it loads the topic registry of @danmaku/contracts). */
async function ensureTopics(brokers: string, namespace: string, quiet: boolean): Promise<TopicsResult> {
  const outFile = join(paths.dataDir, 'infra', 'topics.json');
  rmSync(outFile, { force: true });
  const script = join(ROOT, 'tools', 'infra', 'create-topics.ts');
  const args = ['--tsconfig', join(ROOT, 'tools', 'infra', 'tsconfig.json'), script, '--json-out', outFile];
  if (quiet) args.push('--quiet');
  const code = await new Promise<number>((resolvePromise, reject) => {
    const child = spawn(localBin('tsx'), args, {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, KAFKA_BROKERS: brokers, DANMAKU_NAMESPACE: namespace },
    });
    child.on('error', reject);
    child.on('exit', (exitCode) => resolvePromise(exitCode ?? 1));
  });
  if (code !== 0) throw new UserError(`topic creation failed (tools/infra/create-topics.ts exited ${code})`);
  return JSON.parse(readFileSync(outFile, 'utf8')) as TopicsResult;
}

const how = (x: KafkaState | RedisState): string =>
  x.startedNow
    ? c.green(`started (pid ${x.pid})`)
    : x.managed
      ? `reused (started earlier by infra:up, pid ${x.pid})`
      : 'reused (already running, not managed by infra:up)';

function topicsSummary(result: TopicsResult | null, namespace: string): string {
  if (!result) return 'skipped (--no-topics)';
  const count = (action: string) => result.topics.filter((t) => t.action === action).length;
  const parts = (
    [
      [count('created'), 'created'],
      [count('partitions-increased'), 'grown'],
      [count('retention-updated'), 'retention updated'],
      [count('ok'), 'already ok'],
    ] as const
  ).filter(([n], i) => n > 0 || i === 0 || i === 3);
  return (
    `${result.topics.length} ensured (${parts.map(([n, what]) => `${n} ${what}`).join(', ')})` +
    (namespace ? ` in namespace "${namespace}"` : '')
  );
}

/** Ensures Kafka + Redis are up and the topics exist; safe to call repeatedly. Returns state.json. */
export async function infraUp({ topics = true, quiet = false } = {}): Promise<object> {
  const t0 = Date.now();
  const kafkaBrokers = process.env.KAFKA_BROKERS || DEFAULT_KAFKA_BROKERS;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const namespace = process.env.DANMAKU_NAMESPACE || '';
  const onWait = (pid: number | null) =>
    log.info(`another infra:up/down is running (pid ${pid ?? '?'}); waiting for it…`);
  return withDirLock(
    paths.infraLock,
    async () => {
      // In parallel; wait for both even if one fails, so nothing is left half-started in the background.
      const [redisRun, kafkaRun] = await Promise.allSettled([
        ensureRedis(redisUrl),
        ensureKafka(kafkaBrokers),
      ]);
      if (redisRun.status === 'rejected') {
        if (kafkaRun.status === 'rejected') log.error(errorText(kafkaRun.reason));
        throw redisRun.reason;
      }
      if (kafkaRun.status === 'rejected') throw kafkaRun.reason;
      const [redis, kafka] = [redisRun.value, kafkaRun.value];
      const topicResult = topics ? await ensureTopics(kafkaBrokers, namespace, quiet) : null;

      const managedKafka = kafka.managed
        ? {
            version: pinnedKafkaVersion(),
            config: rel(paths.kafkaConfig),
            log: rel(paths.kafkaLog),
            pidFile: rel(paths.kafkaPid),
          }
        : {};
      const managedRedis = redis.managed ? { log: rel(paths.redisLog), pidFile: rel(paths.redisPid) } : {};
      const state = {
        updatedAt: new Date().toISOString(),
        namespace,
        kafka: { ...kafka, ...managedKafka },
        redis: { ...redis, ...managedRedis },
        topics: topicResult?.topics ?? null,
      };
      mkdirSync(dirname(paths.infraState), { recursive: true });
      writeFileSync(paths.infraState, `${JSON.stringify(state, null, 2)}\n`);

      const kafkaExtra = kafka.startedNow
        ? c.dim(
            ` — Kafka ${pinnedKafkaVersion()}, ready in ${fmtSecs(kafka.startMs ?? 0)}${kafka.downloadedJars ? ', jars downloaded' : ''}`,
          )
        : '';
      log.info(`${c.bold('Kafka ')} ${kafkaBrokers}  ${how(kafka)}${kafkaExtra}`);
      log.info(`${c.bold('Redis ')} ${redis.url}  ${how(redis)}`);
      log.info(`${c.bold('Topics')} ${topicsSummary(topicResult, namespace)}`);
      log.ok(
        `infra ready in ${fmtSecs(Date.now() - t0)}` +
          c.dim(`  (state: ${rel(paths.infraState)}; stop with: npm run infra:down)`),
      );
      return state;
    },
    { onWait },
  );
}

export function cli(argv: string[]): Promise<void> {
  return runCli('infra', async () => {
    checkArgs(argv, ['--no-topics', '--quiet', '--skip-deps']);
    await infraUp({ topics: !argv.includes('--no-topics'), quiet: argv.includes('--quiet') });
  });
}
