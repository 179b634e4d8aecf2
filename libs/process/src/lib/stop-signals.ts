/** The signals a supervisor (a terminal's Ctrl-C, systemd, a container runtime) stops us with. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** Within this long, a second signal is the first one delivered twice (npm relays Ctrl-C too). */
const SAME_SIGNAL_MS = 1500;

/**
 * Graceful stop on the first stop signal, immediate kill on a later one: what a user expects
 * of Ctrl-C, then Ctrl-C again. `stop` runs once; `kill` runs on a signal that comes more
 * than 1.5 s after the first. `target` is for tests (default: this process).
 */
export function onStopSignals(
  handlers: { stop(signal: StopSignal): void; kill(): void },
  target: Pick<NodeJS.Process, 'on'> = process,
): void {
  let firstAt = 0;
  for (const signal of STOP_SIGNALS) {
    target.on(signal, () => {
      if (firstAt && Date.now() - firstAt < SAME_SIGNAL_MS) return;
      if (firstAt) return handlers.kill();
      firstAt = Date.now();
      handlers.stop(signal);
    });
  }
}
