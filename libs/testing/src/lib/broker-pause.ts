import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from './app-process';

const isKafka = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return false;
  }
};

/**
 * The local broker's pid: from the pidfile `npm run infra:up` writes, else the one
 * `kafka.Kafka` process on this machine (a broker another checkout's infra:up started).
 */
function localKafkaPid(): number {
  const pidFile = join(workspaceRoot(), '.data', 'kafka', 'kafka.pid');
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (isKafka(pid)) return pid;
  } catch {
    // no pidfile: look for the process
  }
  const brokers = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter(isKafka);
  if (brokers.length !== 1) {
    throw new Error(`expected one local Kafka broker (kafka.Kafka) to pause, found ${brokers.length}`);
  }
  return brokers[0];
}

/**
 * Freezes the local Kafka broker with SIGSTOP: connections stay open and every request
 * hangs, as in a broker stall or a network partition. Returns the function that thaws it
 * (SIGCONT). Only a broker on this machine can be frozen: a test never reaches further.
 */
export function pauseLocalKafka(): () => void {
  const pid = localKafkaPid();
  process.kill(pid, 'SIGSTOP');
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    process.kill(pid, 'SIGCONT');
  };
}
