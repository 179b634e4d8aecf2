#!/usr/bin/env node
// npm run start:<app> — entry shim. Plain JavaScript because it runs before node_modules
// exists: it installs them, then runs start-app.ts (usage there).
import { runTs } from './bootstrap.mjs';

await runTs(import.meta.url, './start-app.ts');
