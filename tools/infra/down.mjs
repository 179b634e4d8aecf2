#!/usr/bin/env node
// npm run infra:down — entry shim. Plain JavaScript because `.ci/run`'s cleanup calls it even
// when `npm ci` failed: without node_modules and without a pidfile of infra:up there is
// nothing to stop, and it says so without installing anything. Otherwise it runs down.ts.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { hasTsx, runTs } from '../scripts/bootstrap.mjs';

const pidFiles = ['kafka/kafka.pid', 'redis/redis.pid'].map((f) =>
  fileURLToPath(new URL(`../../.data/${f}`, import.meta.url)),
);
if (hasTsx()) await runTs(import.meta.url, './down.ts', { deps: false });
else if (pidFiles.some((f) => existsSync(f))) await runTs(import.meta.url, './down.ts');
else console.log('[infra] node_modules is missing and infra:up started nothing here — nothing to stop');
