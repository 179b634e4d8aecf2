#!/usr/bin/env node
// npm run infra:up — entry shim. Plain JavaScript because it runs before node_modules exists:
// it installs them (unless --skip-deps), then runs up.ts. What it does: README.md.
import { isMain, loadTs, runTs } from '../scripts/bootstrap.mjs';

if (isMain(import.meta.url))
  await runTs(import.meta.url, './up.ts', { deps: !process.argv.includes('--skip-deps') });

/** up.ts's infraUp, for the benches that import this file (bench/*\/run.ts). */
export const infraUp = async (opts) => (await loadTs(import.meta.url, './up.ts')).infraUp(opts);
