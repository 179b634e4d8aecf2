// npm run infra:down — stop only what `npm run infra:up` started (found by pidfile).
// A Kafka or Redis that was already running (reused) is never touched.
// Cached jars (.cache/kafka) are kept; Kafka data (.data/kafka) too, unless --wipe.
// (Entered through down.mjs, which also works before node_modules exists.)
import { existsSync, rmSync } from 'node:fs';

import { c, checkArgs, fmtSecs, logger, paths, rel, runCli } from './cli';
import { cmdlineOf, isAlive, readPidFile, terminate, withDirLock, type TerminateResult } from './processes';

const log = logger('infra');

interface Managed {
  name: string;
  pidFile: string;
  /** The command line of the process that pidfile should name. */
  looksRight: (cmd: string) => boolean;
  timeoutMs: number;
}

async function stopByPidFile({
  name,
  pidFile,
  looksRight,
  timeoutMs,
}: Managed): Promise<TerminateResult | 'none' | 'stale'> {
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

/** Stops the Kafka broker and Redis that infra:up started; with `wipe`, deletes .data/kafka too. */
export async function infraDown({ wipe = false } = {}): Promise<void> {
  const onWait = (pid: number | null) =>
    log.info(`infra:up is running (pid ${pid ?? '?'}); waiting for it to finish…`);
  await withDirLock(
    paths.infraLock,
    async () => {
      // One after the other so the progress output stays readable (Redis stops in ms anyway).
      await stopByPidFile({
        name: 'Kafka',
        pidFile: paths.kafkaPid,
        looksRight: (cmd) => cmd.includes('kafka.Kafka'),
        timeoutMs: Number(process.env.KAFKA_STOP_TIMEOUT_MS || 30000),
      });
      await stopByPidFile({
        name: 'Redis',
        pidFile: paths.redisPid,
        looksRight: (cmd) => cmd.includes('redis-server'),
        timeoutMs: 10000,
      });
      rmSync(paths.infraState, { force: true });
      if (wipe) {
        const existed = existsSync(paths.kafkaData);
        rmSync(paths.kafkaData, { recursive: true, force: true });
        log.info(
          existed
            ? `wiped ${rel(paths.kafkaData)} (next infra:up formats a fresh broker)`
            : `${rel(paths.kafkaData)} already absent`,
        );
      } else if (existsSync(paths.kafkaData)) {
        log.info(
          c.dim(
            `kept Kafka data in ${rel(paths.kafkaData)} (use --wipe to delete it) and jars in ${rel(paths.kafkaLibs)}`,
          ),
        );
      }
    },
    { onWait, timeoutMs: 180000 },
  );
}

export function cli(argv: string[]): Promise<void> {
  return runCli('infra', async () => {
    checkArgs(argv, ['--wipe']);
    await infraDown({ wipe: argv.includes('--wipe') });
  });
}
