import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

/** `LOG_FORMAT`: `auto` picks `pretty` for a person at a terminal, `json` for everything else. */
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LogOutput {
  /** `LOG_FORMAT`; default `auto`. */
  format?: LogFormat;
  /** `NODE_ENV`: `production` keeps `auto` on JSON even at a terminal. */
  nodeEnv?: string;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
  /** Whether the destination is a terminal; default `process.stdout.isTTY`. */
  isTTY?: boolean;
  /** Colours in pretty lines; default: what the terminal supports (`NO_COLOR`, `FORCE_COLOR` honoured). */
  colorize?: boolean;
}

/**
 * `json` or `pretty` for a `LOG_FORMAT`. An explicit format wins; `auto` is pretty only on a
 * terminal outside production, so whatever reads the output as data (a pipe, a file, a log
 * shipper, the e2e tests and the bench that spawn the apps) gets JSON lines.
 */
export function resolveLogFormat(
  format: LogFormat,
  nodeEnv: string | undefined,
  isTTY: boolean,
): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return isTTY && nodeEnv !== 'production' ? 'pretty' : 'json';
}

/** Fields every line carries that a person at a terminal already knows (`npm start` prefixes the app). */
const PRETTY_IGNORE = 'pid,hostname,name,app,instance,context,req,res,responseTime';

interface LogLine {
  context?: unknown;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  [key: string]: unknown;
}

/** The message part of a pretty line: `[context] msg`, or `GET /v1/… 200 3ms` for an HTTP request. */
function prettyMessage(log: LogLine, messageKey: string): string {
  const context = typeof log.context === 'string' && log.context !== 'http' ? `[${log.context}] ` : '';
  if (log.req?.method && log.res?.statusCode !== undefined) {
    const took = typeof log.responseTime === 'number' ? ` ${log.responseTime}ms` : '';
    return `${log.req.method} ${log.req.url} ${log.res.statusCode}${took}`;
  }
  return `${context}${String(log[messageKey] ?? '')}`;
}

/** A destination that turns each JSON line into one human line, synchronously (nothing lost on exit). */
function prettyDestination(out: DestinationStream, colorize: boolean | undefined): DestinationStream {
  const format = prettyFactory({
    // Left out when unset: an explicit `undefined` would override pino-pretty's terminal detection.
    ...(colorize !== undefined && { colorize }),
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: PRETTY_IGNORE,
    messageFormat: (log, messageKey) => prettyMessage(log as LogLine, messageKey),
  });
  return { write: (line: string) => out.write(format(line)) };
}

/**
 * The process logger, shared by Nest, Kafka and repositories: JSON lines (or one pretty line
 * per event for a person, see `resolveLogFormat`), secrets redacted, at `level`.
 * @example
 * createAppLogger('gateway', config.LOG_LEVEL, instanceId, { format: config.LOG_FORMAT, nodeEnv: config.NODE_ENV });
 */
export function createAppLogger(
  app: string,
  level: string,
  instanceId: string,
  output: LogOutput = {},
): Logger {
  const stdout = output.destination ?? pino.destination({ dest: 1, sync: true });
  const format = resolveLogFormat(
    output.format ?? 'auto',
    output.nodeEnv,
    output.isTTY ?? Boolean(process.stdout.isTTY),
  );
  return pino(
    {
      name: app,
      level,
      base: { app, instance: instanceId },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', '*.refreshToken'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    format === 'pretty' ? prettyDestination(stdout, output.colorize) : stdout,
  );
}
