// What every script of tools/infra and tools/scripts shares: where things are, coloured
// output with a tag, errors meant for people, and the CLI wrapper that prints them.
import { join, relative, resolve } from 'node:path';

/** The repository root (tools/infra -> ../..). */
export const ROOT = resolve(__dirname, '..', '..');

/** A path relative to the project root, for messages. */
export const rel = (p: string): string => relative(ROOT, p) || '.';

const DATA = join(ROOT, '.data');
export const paths = {
  dataDir: DATA,
  kafkaPom: join(ROOT, 'tools', 'infra', 'kafka', 'pom.xml'),
  kafkaLibs: join(ROOT, '.cache', 'kafka', 'libs'),
  kafkaLibsMarker: join(ROOT, '.cache', 'kafka', 'libs', '.complete'),
  kafkaMvnLog: join(ROOT, '.cache', 'kafka', 'mvn.log'),
  kafkaData: join(DATA, 'kafka'),
  kafkaLogDirs: join(DATA, 'kafka', 'data'),
  kafkaConfig: join(DATA, 'kafka', 'server.properties'),
  kafkaLog4j: join(DATA, 'kafka', 'log4j.properties'),
  kafkaLog: join(DATA, 'kafka', 'server.log'),
  kafkaPid: join(DATA, 'kafka', 'kafka.pid'),
  redisData: join(DATA, 'redis'),
  redisLog: join(DATA, 'redis', 'redis.log'),
  redisPid: join(DATA, 'redis', 'redis.pid'),
  infraState: join(DATA, 'infra', 'state.json'),
  /** Held while infra:up or infra:down runs. */
  infraLock: join(DATA, 'infra', 'up.lock'),
  runDir: join(DATA, 'run'),
};

// ---------------------------------------------------------------------------
// Output

const useColor = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
export type Paint = (s: string) => string;
const paint =
  (code: string): Paint =>
  (s) =>
    useColor ? `\x1b[${code}m${s}\x1b[0m` : s;
export const c = {
  bold: paint('1'),
  dim: paint('2'),
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
  blue: paint('34'),
  magenta: paint('35'),
  cyan: paint('36'),
};

export interface Logger {
  info(...a: unknown[]): void;
  ok(...a: unknown[]): void;
  warn(...a: unknown[]): void;
  error(...a: unknown[]): void;
  /** Write without a newline (progress dots). */
  write(s: string): void;
  prefix: string;
}

/** Logger with a fixed tag: logger('infra').info('…') prints "[infra] …". */
export function logger(tag: string): Logger {
  const prefix = c.cyan(`[${tag}]`);
  return {
    info: (...a) => console.log(prefix, ...a),
    ok: (...a) => console.log(prefix, c.green('✔'), ...a),
    warn: (...a) => console.warn(prefix, c.yellow('warning:'), ...a),
    error: (...a) => console.error(prefix, c.red('error:'), ...a),
    write: (s) => process.stdout.write(s),
    prefix,
  };
}

/** An Error whose message is meant for people; CLIs print it without a stack. */
export class UserError extends Error {
  readonly hint?: string;
  constructor(message: string, { hint, cause }: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause });
    this.name = 'UserError';
    this.hint = hint;
  }
}

/** Runs a CLI's main(): prints a UserError without its stack, sets the exit code. */
export async function runCli(tag: string, main: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? 0;
  } catch (err) {
    const log = logger(tag);
    if (err instanceof UserError) {
      log.error(err.message);
      if (err.hint) console.error(err.hint.replace(/^/gm, '       '));
    } else {
      log.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    }
    process.exitCode = 1;
  }
}

/** Throws unless every argument is one of `known`. */
export function checkArgs(argv: readonly string[], known: readonly string[]): void {
  const unknown = argv.filter((a) => !known.includes(a));
  if (unknown.length)
    throw new UserError(`unknown argument(s): ${unknown.join(' ')}  (known: ${known.join(' ')})`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const fmtSecs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** The message of anything thrown. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} timed out after ${ms}ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
