/**
 * The decision path under load, for the filter benchmark (bench/filter): the real
 * DecisionService (context read, term cache, policy, the `mod:decide` Lua script per message)
 * against real Redis, in this process on one core, with Kafka publishing replaced by a no-op.
 * The benchmark reaches moderation's classes only through this built entry point:
 *
 *   node dist/apps/moderation/decision-bench.js <input.json>
 *
 * The input (DecisionBenchInput) names Redis, the terms and the texts; the terms are stored
 * as the REST API stores them under a fresh namespace, deleted at the end. The last line
 * printed is the result (DecisionBenchResult) as JSON.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import type { DanmakuSubmitted } from '@danmaku/contracts';
import { MetricsService } from '@danmaku/platform';
import { BlockedTermsRepository } from '../blocked-terms/blocked-terms.repository';
import { FilterTermMatcher } from '../blocked-terms/filter-term.matcher';
import { TermSetCache } from '../blocked-terms/term-set.cache';
import { Clock } from '../common/clock';
import { modKeys } from '../common/moderation-keys';
import { loadModerationConfig } from '../config/moderation.config';
import { DecisionContextCache } from '../decision/decision-context.cache';
import { DecisionContextRepository } from '../decision/decision-context.repository';
import { DecisionPolicy } from '../decision/decision-policy.service';
import { DecisionStoreRepository } from '../decision/decision-store.repository';
import { DecisionMetrics } from '../decision/decision.metrics';
import { DecisionService } from '../decision/decision.service';
import { RecentBufferRepository } from '../decision/recent-buffer.repository';
import type { DecisionEventsRepository } from '../messaging/decision-events.repository';

export interface DecisionBenchInput {
  redisUrl: string;
  /** Site-wide terms (the benchmark uses 10,000). */
  siteTerms: string[];
  /** Each room's own terms; the submissions go to these rooms. */
  roomTerms: Record<string, string[]>;
  /** Texts of the submissions, used in turn. */
  texts: string[];
  decisions: number;
  batch: number;
  /** Partitions decided at once, as MODERATION_DECIDE_CONCURRENCY lets the consumer do. */
  concurrency: number;
}

export interface DecisionBenchResult {
  decisions: number;
  batch: number;
  perSecond: number;
  batchP50ms: number;
  batchP99ms: number;
  singleP50ms: number;
  singleP99ms: number;
  /** Decisions per second of this process's own CPU time (user + system): what one free core would do. */
  perCpuSecond: number;
  /** The same with `concurrency` partitions decided at once (the consumer's default). */
  concurrent: {
    partitions: number;
    perSecond: number;
    perCpuSecond: number;
    batchP50ms: number;
    batchP99ms: number;
  };
  outcomes: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

export async function measureDecisionPath(input: DecisionBenchInput): Promise<DecisionBenchResult> {
  const { decisions: DECISIONS, batch: BATCH, concurrency: CONCURRENCY, texts } = input;
  const namespace = `bench-filter-${Date.now().toString(36)}`;
  const redis = new Redis(input.redisUrl, { keyPrefix: `${namespace}:`, maxRetriesPerRequest: 2 });
  try {
    const matcher = new FilterTermMatcher();
    const seed = (roomId: string | null, list: string[]) => {
      const p = redis.pipeline();
      for (const term of list) {
        const termId = randomUUID();
        p.hset(
          modKeys.terms(roomId),
          termId,
          JSON.stringify({
            termId,
            term,
            createdAt: Date.now(),
            createdBy: 'bench',
            canonical: matcher.canonical(term),
          }),
        );
      }
      p.set(modKeys.termsVersion(roomId), '1');
      return p.exec();
    };
    await seed(null, input.siteTerms);
    const rooms = Object.keys(input.roomTerms);
    for (const r of rooms) await seed(r, input.roomTerms[r]);

    // moderation.config.ts's defaults (an empty environment): the settings of a fresh install.
    const config = loadModerationConfig({});
    const noPublish = { publish: async () => undefined };
    const metrics = new DecisionMetrics(new MetricsService());
    const service = new DecisionService(
      new DecisionContextCache(new DecisionContextRepository(redis), new Clock()),
      new DecisionStoreRepository(redis, config),
      new RecentBufferRepository(redis, config),
      noPublish as unknown as DecisionEventsRepository,
      new TermSetCache(matcher, new BlockedTermsRepository(redis)),
      new DecisionPolicy({
        floodMax: config.MODERATION_FLOOD_MAX,
        floodWindowMs: config.MODERATION_FLOOD_WINDOW_MS,
        duplicateWindowMs: config.MODERATION_DUPLICATE_WINDOW_MS,
      }),
      matcher,
      new Clock(),
      metrics,
    );
    let n = 0;
    // A partition holds a fixed set of rooms (Kafka key = roomId): partition p gets rooms p, p + P, …
    const submission = (partition = -1, partitions = 1): DanmakuSubmitted => ({
      id: randomUUID(),
      roomId:
        partition < 0
          ? rooms[n % rooms.length]
          : rooms[(partition + partitions * (n % Math.floor(rooms.length / partitions))) % rooms.length],
      // Enough senders that flood control (15 per 10 s by default) rarely fires: the accepted path is the long one.
      userId: `bench-user-${n % 20_000}`,
      nickname: 'Bench',
      text: texts[n++ % texts.length],
      mode: 'scroll',
      color: '#ffffff',
      size: 'medium',
      sentAt: Date.now(),
      origin: { instanceId: 'bench', socketId: 'bench' },
    });
    // Warm-up: compiles the site's terms into the cache once, loads the Lua script.
    for (let i = 0; i < 5; i++) await service.decideBatch(Array.from({ length: BATCH }, () => submission()));

    const batchTimes: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let done = 0; done < DECISIONS; done += BATCH) {
      const b0 = performance.now();
      await service.decideBatch(
        Array.from({ length: Math.min(BATCH, DECISIONS - done) }, () => submission()),
      );
      batchTimes.push(performance.now() - b0);
    }
    const totalS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;

    const concurrentTimes: number[] = [];
    const ccpu0 = process.cpuUsage();
    const c0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, p) => {
        for (let done = 0; done < DECISIONS / CONCURRENCY; done += BATCH) {
          const b0 = performance.now();
          await service.decideBatch(Array.from({ length: BATCH }, () => submission(p, CONCURRENCY)));
          concurrentTimes.push(performance.now() - b0);
        }
      }),
    );
    const concurrentS = (performance.now() - c0) / 1000;
    const ccpu = process.cpuUsage(ccpu0);
    const concurrentDecisions = concurrentTimes.length * BATCH;
    concurrentTimes.sort((a, b) => a - b);

    const singles: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const s0 = performance.now();
      await service.decideBatch([submission()]);
      singles.push(performance.now() - s0);
    }
    batchTimes.sort((a, b) => a - b);
    singles.sort((a, b) => a - b);
    const outcomes: Record<string, number> = {};
    for (const v of (await metrics.decisions.get()).values)
      outcomes[`${v.labels['outcome']}:${v.labels['code']}`] = v.value;
    return {
      decisions: DECISIONS,
      batch: BATCH,
      perSecond: Math.round(DECISIONS / totalS),
      batchP50ms: round(percentile(batchTimes, 50)),
      batchP99ms: round(percentile(batchTimes, 99)),
      singleP50ms: round(percentile(singles, 50), 3),
      singleP99ms: round(percentile(singles, 99), 3),
      perCpuSecond: Math.round(DECISIONS / cpuS),
      concurrent: {
        partitions: CONCURRENCY,
        perSecond: Math.round(concurrentDecisions / concurrentS),
        perCpuSecond: Math.round(concurrentDecisions / ((ccpu.user + ccpu.system) / 1e6)),
        batchP50ms: round(percentile(concurrentTimes, 50)),
        batchP99ms: round(percentile(concurrentTimes, 99)),
      },
      outcomes,
    };
  } finally {
    for await (const keys of redis.scanStream({ match: `${namespace}:*`, count: 1000 })) {
      const batch = (keys as string[]).map((k) => k.slice(namespace.length + 1));
      if (batch.length > 0) await redis.unlink(...batch);
    }
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node dist/apps/moderation/decision-bench.js <input.json>');
  const input = JSON.parse(readFileSync(file, 'utf8')) as DecisionBenchInput;
  process.stdout.write(`${JSON.stringify(await measureDecisionPath(input))}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
