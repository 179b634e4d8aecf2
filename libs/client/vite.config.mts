import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Two browser builds of the SDK (run with `--mode esm` and `--mode iife`):
 * - esm: `danmaku-client.mjs` for bundlers; socket.io-client stays an import (one copy in the app).
 * - iife: `danmaku-client.iife.js` for a plain <script>: everything bundled, global `DanmakuSDK`.
 */
export default defineConfig(({ mode }) => {
  const iife = mode === 'iife';
  return {
    root: fileURLToPath(new URL('.', import.meta.url)),
    logLevel: 'warn',
    resolve: {
      alias: { '@danmaku/contracts': `${root}libs/contracts/src/index.ts` },
    },
    build: {
      outDir: `${root}dist/libs/client`,
      emptyOutDir: !iife,
      sourcemap: true,
      minify: iife,
      target: 'es2022',
      lib: {
        entry: 'src/index.ts',
        name: 'DanmakuSDK',
        formats: [iife ? 'iife' : 'es'],
        fileName: () => (iife ? 'danmaku-client.iife.js' : 'danmaku-client.mjs'),
      },
      rollupOptions: { external: iife ? [] : ['socket.io-client'] },
    },
  };
});
