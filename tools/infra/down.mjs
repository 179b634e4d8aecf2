#!/usr/bin/env node
// npm run infra:down — stop only what `npm run infra:up` started (found by pidfile).
// A Kafka or Redis that was already running (reused) is never touched.
// Cached jars (.cache/kafka) are kept; Kafka data (.data/kafka) too, unless --wipe.
//
// Builtins only (works without node_modules). Programmatic: import { infraDown }.

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import {
  UserError,
  c,
  cmdlineOf,
  fmtSecs,
  isAlive,
  isMain,
  logger,
  paths,
  readPidFile,
  runCli,
  terminate,
  withDirLock,
  rel,
} from './lib.mjs';

const log = logger('infra');

async function stopByPidFile({ name, pidFile, looksRight, timeoutMs }) {
  const pid = readPidFile(pidFile);
  if (!pid) {
    log.info(`${name}: not started by infra:up — nothing to stop`);
    return 'none';
  }
  if (!isAlive(pid)) {
    rmSync(pidFile, { force: true });
    log.info(`${name}: not running (removed stale pidfile ${rel(pidFile)})`);
    return 'stale';
  }
  const cmd = cmdlineOf(pid);
  if (cmd && !looksRight(cmd)) {
    rmSync(pidFile, { force: true });
    log.warn(
      `${name}: pid ${pid} from ${rel(pidFile)} is now another program (${cmd.slice(0, 80)}); left it alone`,
    );
    return 'stale';
  }
  const t0 = Date.now();
  log.write(`${log.prefix} ${name}: stopping pid ${pid} `);
  const result = await terminate(pid, { timeoutMs, onWait: () => log.write('.') });
  rmSync(pidFile, { force: true });
  if (result === 'killed') log.write(` ${c.yellow(`killed (did not exit within ${fmtSecs(timeoutMs)})`)}\n`);
  else log.write(` ${c.green('stopped')} (${fmtSecs(Date.now() - t0)})\n`);
  return result;
}

/**
 * Stop the Kafka broker and Redis that infra:up started. Idempotent.
 * @param {{ wipe?: boolean }} [opts] wipe: also delete .data/kafka (topics, messages, cluster id)
 */
export async function infraDown({ wipe = false } = {}) {
  const lockDir = join(paths.dataDir, 'infra', 'up.lock');
  const onWait = (pid) => log.info(`infra:up is running (pid ${pid ?? '?'}); waiting for it to finish…`);
  return withDirLock(
    lockDir,
    async () => {
      // One after the other so the progress output stays readable (Redis stops in ms anyway).
      const kafka = await stopByPidFile({
        name: 'Kafka',
        pidFile: paths.kafkaPid,
        looksRight: (cmd) => cmd.includes('kafka.Kafka'),
        timeoutMs: Number(process.env.KAFKA_STOP_TIMEOUT_MS || 30000),
      });
      const redis = await stopByPidFile({
        name: 'Redis',
        pidFile: paths.redisPid,
        looksRight: (cmd) => cmd.includes('redis-server'),
        timeoutMs: 10000,
      });
      rmSync(paths.infraState, { force: true });
      if (wipe) {
        if (existsSync(paths.kafkaData)) {
          rmSync(paths.kafkaData, { recursive: true, force: true });
          log.info(`wiped ${rel(paths.kafkaData)} (next infra:up formats a fresh broker)`);
        } else {
          log.info(`${rel(paths.kafkaData)} already absent`);
        }
      } else if (existsSync(paths.kafkaData)) {
        log.info(
          c.dim(
            `kept Kafka data in ${rel(paths.kafkaData)} (use --wipe to delete it) and jars in ${rel(paths.kafkaLibs)}`,
          ),
        );
      }
      return { kafka, redis, wiped: wipe };
    },
    { onWait, timeoutMs: 180000 },
  );
}

if (isMain(import.meta.url)) {
  runCli('infra', async () => {
    const argv = process.argv.slice(2);
    const unknown = argv.filter((a) => a !== '--wipe');
    if (unknown.length) throw new UserError(`unknown argument(s): ${unknown.join(' ')}  (known: --wipe)`);
    await infraDown({ wipe: argv.includes('--wipe') });
    return 0;
  });
}
