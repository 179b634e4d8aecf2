#!/usr/bin/env node
// Second half of `nx build web`: puts the static server beside the pages and the SDK's
// <script> build under /sdk, so dist/apps/web is self-contained (`node dist/apps/web/main.mjs`).
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = join(root, 'dist', 'apps', 'web');
copyFileSync(join(root, 'apps', 'web', 'server', 'main.mjs'), join(out, 'main.mjs'));
const sdk = join(root, 'dist', 'libs', 'client');
mkdirSync(join(out, 'public', 'sdk'), { recursive: true });
for (const f of ['danmaku-client.iife.js', 'danmaku-client.iife.js.map']) {
  if (!existsSync(join(sdk, f))) throw new Error(`${join(sdk, f)} is missing: run \`npx nx bundle client\``);
  copyFileSync(join(sdk, f), join(out, 'public', 'sdk', f));
}
