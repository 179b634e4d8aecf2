// The Kafka broker's jars: fetched once with Maven into .cache/kafka/libs, at the version
// pinned in tools/infra/kafka/pom.xml.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

import { ROOT, UserError, c, fmtSecs, logger, paths, rel } from './cli';
import { probeCommand, tailFile } from './processes';

const log = logger('infra');

/** Kafka version pinned in tools/infra/kafka/pom.xml (its single source of truth). */
export function pinnedKafkaVersion(): string {
  const pom = readFileSync(paths.kafkaPom, 'utf8');
  const m = pom.match(/<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/);
  if (!m) throw new Error(`cannot find <kafka.version> in ${rel(paths.kafkaPom)}`);
  return m[1];
}

function libsMarkerContent(): string {
  const hash = createHash('sha256').update(readFileSync(paths.kafkaPom)).digest('hex');
  return `kafka=${pinnedKafkaVersion()}\npom-sha256=${hash}\n`;
}

/** The Java major version on PATH; throws when there is none or it is too old. */
export function checkJava(): number {
  const out = probeCommand('java', ['-version']);
  if (out == null) {
    throw new UserError('java not found on PATH (needed to run the local Kafka broker)', {
      hint: 'Install a JDK/JRE 17 (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless), or point KAFKA_BROKERS at a running broker.',
    });
  }
  const m = out.match(/version "(\d+)(?:\.(\d+))?/);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (major && major < 11) {
    throw new UserError(`Kafka ${pinnedKafkaVersion()} needs Java 11+ (17 recommended); found Java ${major}`);
  }
  return major;
}

/** Runs Maven into `outDir`, its output in mvn.log and a progress line here. Resolves its exit code. */
function mvnCopyDependencies(outDir: string, t0: number): Promise<number> {
  const mvnLog = createWriteStream(paths.kafkaMvnLog);
  const args = ['-B', '-Dstyle.color=never', '-f', paths.kafkaPom, 'dependency:copy-dependencies'];
  const child = spawn('mvn', [...args, `-DoutputDirectory=${outDir}`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let downloaded = 0;
  let lastLine = '';
  const onData = (d: Buffer) => {
    mvnLog.write(d);
    for (const line of d.toString('utf8').split('\n')) {
      if (line.includes('Downloaded from ')) downloaded++;
      if (line.trim()) lastLine = line.trim();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const tty = process.stdout.isTTY;
  const timer = setInterval(
    () => {
      const msg = `  … ${fmtSecs(Date.now() - t0)}, ${downloaded} artifacts downloaded`;
      if (tty) process.stdout.write(`\r${log.prefix} ${msg}   `);
      else log.info(msg);
    },
    tty ? 1000 : 5000,
  );
  return new Promise<number>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('exit', (exitCode) => {
      if (tty) process.stdout.write('\r\x1b[K');
      if (exitCode !== 0) log.error(`mvn: ${lastLine}`);
      resolvePromise(exitCode ?? 1);
    });
  }).finally(async () => {
    clearInterval(timer);
    await new Promise((r) => mvnLog.end(r));
  });
}

/** Fetches the broker jars into .cache/kafka/libs unless the marker says they are there. */
export async function ensureKafkaLibs(): Promise<{ downloaded: boolean }> {
  const expected = libsMarkerContent();
  const version = pinnedKafkaVersion();
  if (existsSync(paths.kafkaLibsMarker) && readFileSync(paths.kafkaLibsMarker, 'utf8') === expected) {
    return { downloaded: false };
  }
  if (probeCommand('mvn', ['-v']) == null) {
    throw new UserError(
      'mvn (Apache Maven) not found on PATH; it is needed once to fetch the Kafka broker jars',
      {
        hint: 'Install it (Debian/Ubuntu: apt-get install -y maven), or point KAFKA_BROKERS at a running broker.',
      },
    );
  }
  const t0 = Date.now();
  const partial = `${paths.kafkaLibs}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dirname(paths.kafkaLibs), { recursive: true });
  log.info(`fetching Apache Kafka ${version} jars with Maven (first run only) → ${rel(paths.kafkaLibs)}`);
  log.info(c.dim(`  full Maven output: ${rel(paths.kafkaMvnLog)}`));
  const code = await mvnCopyDependencies(partial, t0);
  if (code !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new UserError(`Maven failed to fetch the Kafka jars (exit ${code})`, {
      hint: `Last lines of ${rel(paths.kafkaMvnLog)}:\n${tailFile(paths.kafkaMvnLog, 25)}`,
    });
  }
  const jars = readdirSync(partial).filter((f) => f.endsWith('.jar'));
  if (!jars.some((f) => f.startsWith(`kafka_2.13-${version}`))) {
    throw new UserError(`Maven finished but kafka_2.13-${version}.jar is missing from ${rel(partial)}`);
  }
  rmSync(paths.kafkaLibs, { recursive: true, force: true });
  renameSync(partial, paths.kafkaLibs);
  writeFileSync(paths.kafkaLibsMarker, expected);
  const mb = jars.reduce((s, f) => s + statSync(join(paths.kafkaLibs, f)).size, 0) / 1e6;
  log.ok(`fetched ${jars.length} jars (${mb.toFixed(0)} MB) in ${fmtSecs(Date.now() - t0)}`);
  return { downloaded: true };
}
