import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Three static pages (live room, replay, moderator console) into dist/apps/web/public. */
export default defineConfig({
  root: here('.'),
  base: './',
  logLevel: 'warn',
  resolve: {
    alias: {
      '@danmaku/client': here('../../libs/client/src/index.ts'),
      '@danmaku/contracts': here('../../libs/contracts/src/index.ts'),
    },
  },
  build: {
    outDir: here('../../dist/apps/web/public'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: {
        live: here('index.html'),
        replay: here('replay.html'),
        moderate: here('moderate.html'),
      },
    },
  },
});
