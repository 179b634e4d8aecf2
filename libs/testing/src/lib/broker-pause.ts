import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from './app-process';

/**
 * Freezes the local Kafka broker (the one `npm run infra:up` started, found by its
 * pidfile) with SIGSTOP: connections stay open and every request hangs, as in a broker
 * stall or a network partition. Returns the function that thaws it (SIGCONT).
 * Throws when the broker is not ours: a test must never freeze someone else's Kafka.
 */
export function pauseLocalKafka(): () => void {
  const pidFile = join(workspaceRoot(), '.data', 'kafka', 'kafka.pid');
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    throw new Error(`no ${pidFile}: this test needs the Kafka broker that \`npm run infra:up\` starts`);
  }
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (!cmdline.includes('kafka.Kafka')) throw new Error(`pid ${pid} from ${pidFile} is not a Kafka broker`);
  process.kill(pid, 'SIGSTOP');
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    process.kill(pid, 'SIGCONT');
  };
}
