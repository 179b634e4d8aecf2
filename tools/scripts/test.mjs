#!/usr/bin/env node
// npm test — entry shim. Plain JavaScript because it runs on a fresh clone before node_modules
// exists: it installs them, then runs test.ts (the steps are described there).
import { runTs } from './bootstrap.mjs';

await runTs(import.meta.url, './test.ts');
