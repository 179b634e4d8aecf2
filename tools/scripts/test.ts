// npm test — the whole suite, as CI runs it:
//   deps (npm ci if stale, by test.mjs) -> formatting (prettier --check, as npm run format:check)
//   -> infra up (Kafka, Redis, topics) -> build the apps
//   -> config reference up to date -> lint + typecheck
//   -> unit + integration tests of every project (nx run-many -t test, one at a time)
//   -> e2e (nx run platform-e2e:e2e)
//
//   npm test -- --unit     only deps + unit/integration tests (no infra, no build, no e2e);
//                          DANMAKU_TEST_SCOPE=unit is set so infra-dependent tests can skip
//   npm test -- --no-e2e   everything but e2e
//
// KAFKA_BROKERS / REDIS_URL (defaults 127.0.0.1:9092, redis://127.0.0.1:6379) and every
// other variable are passed through. Exit code is non-zero if any step fails.

import { spawn } from 'node:child_process';

import { UserError, c, checkArgs, fmtSecs, logger, runCli } from '../infra/cli';
import { localBin } from '../infra/processes';
import { infraUp } from '../infra/up';
import { APPS } from './apps';

const log = logger('test');
/** `npm run config:docs`; with --check it fails when docs/configuration.md is stale. */
const CONFIG_DOCS = 'tools/config-reference/generate.ts';
// eslint-disable-next-line no-control-regex -- ESC starts every ANSI colour sequence
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Adds up Jest's "Tests: 1 failed, 2 skipped, 30 passed, 33 total" lines (and Vitest's). */
class TestCounter {
  passed = 0;
  failed = 0;
  skipped = 0;
  seen = false;
  feed(rawLine: string): void {
    const line = rawLine.replace(ANSI, '');
    const body =
      line.match(/\bTests:\s+(.*\d+ total)/)?.[1] ??
      line.match(/^\s*(?:\S+\s+)?Tests\s+(.*\(\d+\))\s*$/)?.[1];
    if (!body) return;
    const n = (word: string) => Number(body.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
    this.passed += n('passed');
    this.failed += n('failed');
    this.skipped += n('skipped') + n('todo');
    this.seen = true;
  }
}

/** Run a command with stdio streamed through (line by line, for counting). */
function runStep(cmd: string, args: string[], env: NodeJS.ProcessEnv, counter: TestCounter): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const pump = (stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) => {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        out.write(d);
        buf += d.toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) counter.feed(l);
      });
      stream.on('end', () => buf && counter.feed(buf));
    };
    pump(child.stdout, process.stdout);
    pump(child.stderr, process.stderr);
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolvePromise(code ?? (signal ? 1 : 0));
    });
  });
}

interface Step {
  name: string;
  fn: () => Promise<unknown>;
  skip?: boolean;
  /** A failure stops the run (default). */
  critical?: boolean;
}

async function main(argv: string[]): Promise<number> {
  checkArgs(argv, ['--unit', '--no-e2e']);
  const unitOnly = argv.includes('--unit');
  const noE2e = unitOnly || argv.includes('--no-e2e');

  const env: NodeJS.ProcessEnv = { ...process.env, NX_TUI: 'false' };
  env.KAFKA_BROKERS ||= '127.0.0.1:9092';
  env.REDIS_URL ||= 'redis://127.0.0.1:6379';
  if (unitOnly) env.DANMAKU_TEST_SCOPE = 'unit';
  if (process.stdout.isTTY && !process.env.NO_COLOR) env.FORCE_COLOR ||= '1';

  const counter = new TestCounter();
  const results: Array<{ name: string; status: 'passed' | 'FAILED' | 'skipped' | 'not run'; ms: number }> =
    [];
  const t0 = Date.now();

  const nxStep = (args: string[]) => () => runStep(localBin('nx'), args, env, counter);
  const projects = `--projects=${Object.keys(APPS).join(',')}`;

  // critical: a failure stops the run. Unit/integration failures don't stop e2e: one CI run reports both.
  const plan: Step[] = [
    {
      name: 'formatting (prettier --check)',
      critical: false,
      fn: () => runStep(localBin('prettier'), ['--check', '.'], env, counter),
    },
    {
      name: 'infra (Kafka, Redis, topics)',
      skip: unitOnly,
      fn: () => infraUp({ quiet: true }),
    },
    {
      name: 'build apps',
      skip: unitOnly,
      fn: nxStep(['run-many', '-t', 'build', projects, '--outputStyle=stream']),
    },
    {
      name: 'config reference up to date',
      critical: false,
      fn: () =>
        runStep(localBin('tsx'), ['--tsconfig', 'tsconfig.base.json', CONFIG_DOCS, '--check'], env, counter),
    },
    {
      name: 'lint + typecheck',
      critical: false,
      fn: nxStep(['run-many', '-t', 'lint', 'typecheck', '--outputStyle=stream']),
    },
    {
      name: 'unit + integration tests',
      critical: false,
      fn: nxStep(['run-many', '-t', 'test', '--parallel=1', '--outputStyle=stream']),
    },
    {
      name: 'e2e tests',
      skip: noE2e,
      critical: false,
      fn: nxStep(['run', 'platform-e2e:e2e', '--outputStyle=stream']),
    },
  ];

  let stopped = false;
  for (const { name, fn, skip, critical = true } of plan) {
    if (skip || stopped) {
      results.push({ name, status: skip ? 'skipped' : 'not run', ms: 0 });
      continue;
    }
    console.log(`\n${log.prefix} ${c.bold(`▶ ${name}`)}`);
    const s = Date.now();
    let ok: boolean;
    try {
      const r = await fn();
      ok = typeof r !== 'number' || r === 0;
    } catch (e) {
      ok = false;
      log.error(e instanceof UserError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e));
      if (e instanceof UserError && e.hint) console.error(e.hint);
    }
    const ms = Date.now() - s;
    results.push({ name, status: ok ? 'passed' : 'FAILED', ms });
    log.info(
      `${ok ? c.green('✔') : c.red('✘')} ${name} ${ok ? 'passed' : c.red('FAILED')} in ${fmtSecs(ms)}`,
    );
    if (!ok && critical) stopped = true;
  }

  const failed = results.filter((r) => r.status === 'FAILED');
  const width = Math.max(...results.map((r) => r.name.length));
  console.log(`\n${log.prefix} ${c.bold('summary')}`);
  for (const r of results) {
    const mark = r.status === 'passed' ? c.green('✔') : r.status === 'FAILED' ? c.red('✘') : c.dim('-');
    const what =
      r.status === 'passed'
        ? fmtSecs(r.ms)
        : r.status === 'FAILED'
          ? `${fmtSecs(r.ms)}  ${c.red('FAILED')}`
          : c.dim(r.status);
    log.info(`  ${mark} ${r.name.padEnd(width)}  ${what}`);
  }
  log.info(`  total ${fmtSecs(Date.now() - t0)}`);
  if (failed.length) log.error(`npm test FAILED: ${failed.map((r) => r.name).join(', ')}`);
  else
    log.ok(`npm test passed${unitOnly ? ' (--unit: no infra, build or e2e)' : noE2e ? ' (--no-e2e)' : ''}`);
  // Last line: the test count (from the runners' own summaries), in the "N passed, N failed" form.
  if (counter.seen) {
    // A step can fail without a failing test (suite that does not compile, build error):
    // then count each such step as one failure so the line never reads "0 failed" on a red run.
    const failures = counter.failed > 0 ? counter.failed : failed.length;
    console.log(
      `tests: ${counter.passed} passed, ${failures} failed${counter.skipped ? `, ${counter.skipped} skipped` : ''}`,
    );
  }
  return failed.length ? 1 : 0;
}

export function cli(argv: string[]): Promise<void> {
  return runCli('test', () => main(argv));
}
