/**
 * kafkajs 2.2.4 (its last release) keeps a 1 ms timer going on every broker connection as soon
 * as one response has arrived: `RequestQueue.scheduleCheckPendingRequests` schedules the next
 * check even when nothing is pending and nothing is throttled, with a negative delay (run at
 * once), and that check schedules the next (tulios/kafkajs#1556, #1704; fixes proposed in
 * #1667 and #1768, never released). Measured here: an idle auth process woke ~1,650 times a
 * second (`strace -c`: 33,048 `epoll_pwait` in 20 s against 41 writes) and used ~5 % of a core
 * doing nothing; every process with a Kafka connection pays it, busy or idle.
 *
 * The check has work only when requests wait (the in-flight limit) or the connection is
 * throttled; this scheduler does not schedule otherwise. Nothing else changes: a request that
 * has to wait is queued by `push`, which schedules a check; every response and every timeout
 * checks again; a throttle still schedules a check for when it ends.
 */

/** What the fix touches of kafkajs' private request queue. */
export interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' own interval for re-checking queued requests when not throttled. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** The only kafkajs release this was written against (package.json pins it). */
export const FIXED_KAFKAJS_VERSION = '2.2.4';

const fixed = new WeakSet<object>();

/** A replacement for `scheduleCheckPendingRequests` that never schedules a check with nothing to do. */
export function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  let delay: number;
  if (this.pending.length > 0) {
    delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  } else if (untilUnthrottled > 0) {
    delay = untilUnthrottled;
  } else {
    return;
  }
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

/**
 * Puts the scheduler above on kafkajs' RequestQueue, once per process. Leaves any other
 * kafkajs version alone (a later release has its own code) and says so.
 */
export function fixKafkajsIdleTimerLoop(
  kafkajsVersion: string,
  RequestQueue: { prototype: RequestQueueInternals },
  warn: (message: string) => void,
): boolean {
  if (fixed.has(RequestQueue.prototype)) return true;
  if (kafkajsVersion !== FIXED_KAFKAJS_VERSION) {
    warn(
      `kafkajs ${kafkajsVersion} is not ${FIXED_KAFKAJS_VERSION}: its request-queue timer loop is left as it is (check libs/kafka/src/lib/request-queue-fix.ts)`,
    );
    return false;
  }
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  fixed.add(RequestQueue.prototype);
  return true;
}

/** Applies the fix to the kafkajs this process loads (the same module instance kafkajs uses). */
export function fixLoadedKafkajs(warn: (message: string) => void): boolean {
  // Deep requires of kafkajs' own files: no typings, and not part of its public API (hence the pin).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require('kafkajs/package.json') as { version: string };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };
  return fixKafkajsIdleTimerLoop(version, RequestQueue, warn);
}
