import { roomIdSchema } from '@danmaku/contracts';

export type RebuildScope = { kind: 'room'; roomId: string } | { kind: 'all' };

export interface RebuildOptions {
  scope: RebuildScope;
  /** How often progress is printed. */
  progressEveryMs: number;
  /** Give up when no message was read for this long (Kafka or Redis away). */
  stallTimeoutMs: number;
  /** Print the summary as one JSON object (for scripts) instead of text. */
  json: boolean;
}

export const REBUILD_USAGE = `usage: replay-rebuild (--room <roomId> | --all) [--progress-sec <n>] [--stall-timeout-sec <n>] [--json]

Re-reads danmaku.accepted.v1 and room.events.v1 from the oldest message Kafka still holds
and replays them into the replay store (namespace, Kafka and Redis from the usual env:
DANMAKU_NAMESPACE, KAFKA_BROKERS, REDIS_URL).

  --room <roomId>          wipe that room's replay data first, then restore only its messages
  --all                    restore every room; existing data is kept (ingest is idempotent)
  --progress-sec <n>       progress line every n seconds (default 2)
  --stall-timeout-sec <n>  fail if nothing was read for n seconds (default 120)
  --json                   print the end summary as JSON on stdout

Progress goes to stderr. Exit code 0: done, 1: failed, 2: bad command line.`;

/** A command line that cannot run; the message says why, the usage says how. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function positiveInt(flag: string, raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} needs a whole number >= 1`);
  return n;
}

export function parseRebuildArgs(argv: string[]): RebuildOptions {
  let scope: RebuildScope | undefined;
  let progressSec = 2;
  let stallSec = 120;
  let json = false;
  const setScope = (next: RebuildScope) => {
    if (scope) throw new UsageError('give exactly one of --room <roomId> or --all');
    scope = next;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--room': {
        const roomId = value();
        const parsed = roomIdSchema.safeParse(roomId);
        if (!parsed.success)
          throw new UsageError(
            `--room needs a room id matching ^[A-Za-z0-9_-]{1,64}$ (got ${JSON.stringify(roomId ?? null)})`,
          );
        setScope({ kind: 'room', roomId: parsed.data });
        break;
      }
      case '--all':
        setScope({ kind: 'all' });
        break;
      case '--progress-sec':
        progressSec = positiveInt(flag, value());
        break;
      case '--stall-timeout-sec':
        stallSec = positiveInt(flag, value());
        break;
      case '--json':
        json = true;
        break;
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (!scope) throw new UsageError('give --room <roomId> or --all');
  return { scope, progressEveryMs: progressSec * 1000, stallTimeoutMs: stallSec * 1000, json };
}
