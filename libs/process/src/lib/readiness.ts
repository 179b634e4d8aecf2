import type { ManagedProcess } from './managed-process';

/**
 * How to tell a child is ready: called once when waiting starts (so it can subscribe to the
 * child's lines or messages), it returns the check that is then polled.
 */
export type Readiness = (proc: ManagedProcess) => () => boolean | Promise<boolean>;

/** Ready when `GET url` answers 200 (the apps' `/readyz`). */
export function httpReady(url: string, { requestTimeoutMs = 2000 } = {}): Readiness {
  return () => async () => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(requestTimeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      return res.status === 200;
    } catch {
      return false; // not listening yet
    }
  };
}

/** Ready once the child prints a line matching `pattern` (also if it did before the wait). */
export function lineReady(pattern: RegExp): Readiness {
  return (proc) => {
    let seen = proc.tail().some((line) => pattern.test(line));
    const off = proc.onLine((line) => {
      if (!pattern.test(line)) return;
      seen = true;
      off();
    });
    return () => seen;
  };
}

/**
 * Ready on the first IPC message the child sends that `accept` takes (a child started with
 * `ipc: true` that calls `process.send({ type: 'ready' })`).
 */
export function messageReady(accept: (message: unknown) => boolean = () => true): Readiness {
  return (proc) => {
    let seen = false;
    const onMessage = (message: unknown) => {
      if (!accept(message)) return;
      seen = true;
      proc.child.off('message', onMessage);
    };
    proc.child.on('message', onMessage);
    return () => seen;
  };
}
