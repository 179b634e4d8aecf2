// The plain-JavaScript start of every npm entry (start, test, start:<app>, infra:up,
// infra:down). It must run on a fresh clone, before node_modules exists: it installs the
// dependencies (ensure-deps.mjs), then loads the entry's TypeScript through tsx in this same
// process (no extra child: signals reach the script as before) and calls its cli(argv).
// Keep the shims that call it this small; everything else belongs in the TypeScript.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DepsError, ensureDeps, log } from './ensure-deps.mjs';

const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
/** tsx's own setting (not one of ours for docs/configuration.md): which tsconfig it resolves paths with. */
const TSX_TSCONFIG = 'TSX_TSCONFIG_PATH';

/** Is the module at `metaUrl` the script node was started with? */
export const isMain = (metaUrl) =>
  Boolean(process.argv[1]) && resolve(process.argv[1]) === fileURLToPath(metaUrl);

/** Is tsx installed (node_modules present)? */
export const hasTsx = () => existsSync(fileURLToPath(new URL('../../node_modules/tsx', import.meta.url)));

/** Loads a TypeScript module of tools/ (path relative to `metaUrl`), with the workspace's aliases. */
export async function loadTs(metaUrl, file) {
  // tsx reads the tsconfig (for the @danmaku/* paths) when it registers; what we spawn must not inherit it.
  process.env[TSX_TSCONFIG] = TSCONFIG;
  const { register } = await import('tsx/cjs/api');
  register();
  delete process.env[TSX_TSCONFIG];
  return createRequire(metaUrl)(file);
}

/** Runs `cli(argv)` of the TypeScript `file`, after `npm ci` when node_modules is stale (unless `deps: false`). */
export async function runTs(metaUrl, file, { deps = true } = {}) {
  try {
    if (deps) await ensureDeps();
  } catch (e) {
    log.error(e instanceof DepsError ? e.message : (e?.stack ?? e));
    process.exit(1);
  }
  const { cli } = await loadTs(metaUrl, file);
  await cli(process.argv.slice(2));
}
