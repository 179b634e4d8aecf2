#!/usr/bin/env node
// npm start — entry shim. Plain JavaScript because it runs before node_modules exists:
// it installs them, then runs start.ts (what npm start does is described there).
import { isMain, loadTs, runTs } from './bootstrap.mjs';

if (isMain(import.meta.url)) await runTs(import.meta.url, './start.ts');

/** start.ts's buildApps, for bench/delivery/run.ts that imports this file. */
export const buildApps = async (apps) => (await loadTs(import.meta.url, './start.ts')).buildApps(apps);
