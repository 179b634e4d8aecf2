/**
 * The V8 old-space limit an app runs with, in MB, set by every launcher (`npm start`,
 * `npm run start:<app>`, the bench; docker-compose sets the same through NODE_OPTIONS).
 *
 * A gateway's heap is mostly its sockets. With V8's default limit on a machine with a lot of
 * memory (2 GB or more), V8 lets the old space grow to 4× the live heap before a full
 * collection: a gateway that took a 15,000-socket join storm then held ~24 KB of RSS per
 * idle socket, 341 MB of old space of which ~60 MB was live. A 1 GB limit also caps V8's
 * heap growing factor (at ~1.6), and the same gateway held ~17 KB per socket, joining as
 * fast. 1 GB still holds the live state of well over 100,000 sockets, more than one gateway
 * process can serve; an explicit `--max-old-space-size` in NODE_OPTIONS wins.
 */
export const APP_MAX_OLD_SPACE_MB: Readonly<Record<string, number>> = { gateway: 1024 };

/** `env` for a process of `app`: NODE_OPTIONS gains the app's old-space limit unless it sets one. */
export function withHeapPolicy(app: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const mb = APP_MAX_OLD_SPACE_MB[app];
  const current = env['NODE_OPTIONS'] ?? '';
  if (mb === undefined || /--max[-_]old[-_]space[-_]size\b/.test(current)) return env;
  return { ...env, NODE_OPTIONS: `${current} --max-old-space-size=${mb}`.trim() };
}
