/** What the fatal handlers need: somewhere to log (pino's `fatal`) once the app has a logger. */
export interface FatalLogger {
  fatal(obj: object, msg: string): void;
}

export interface FatalErrorContext {
  app: string;
  instanceId: string;
  /** The app logger once Nest built it; until then the handlers write one JSON line to stderr. */
  logger: () => FatalLogger | undefined;
  /** For tests: defaults to `process.exit`. */
  exit?: (code: number) => void;
}

let installed: FatalErrorContext | null = null;

/**
 * Installs `unhandledRejection` / `uncaughtException` handlers that log the error with the
 * app, instance and kind, then exit 1 so the supervisor (compose, systemd, k8s) restarts a
 * clean process: after an error nobody handled, state is unknown, and limping on hides it.
 * Idempotent: a second call only swaps the context (one set of handlers per process).
 */
export function installFatalErrorHandlers(context: FatalErrorContext): void {
  const first = installed === null;
  installed = context;
  if (!first) return;
  process.on('unhandledRejection', (reason) => dieOn('unhandledRejection', reason));
  process.on('uncaughtException', (err, origin) => dieOn(origin, err));
}

let dying = false;

/**
 * Logs an error the process cannot go on after (`kind` says what failed: `startup`,
 * `unhandledRejection`, …) and exits 1, as the installed handlers do.
 */
export function dieOn(kind: string, error: unknown): void {
  const ctx = installed;
  if (!ctx) return;
  const exit = ctx.exit ?? ((code: number) => process.exit(code));
  // A second error while logging the first must not loop.
  if (dying) return exit(1);
  dying = true;
  const err =
    error instanceof Error
      ? { type: error.name, message: error.message, stack: error.stack }
      : { message: String(error) };
  const fields = { app: ctx.app, instance: ctx.instanceId, kind, err };
  const msg = `${kind}: exiting so the supervisor restarts the process`;
  try {
    const logger = ctx.logger();
    if (logger) logger.fatal(fields, msg);
    else process.stderr.write(`${JSON.stringify({ level: 'fatal', ...fields, msg })}\n`);
  } finally {
    exit(1);
  }
}
