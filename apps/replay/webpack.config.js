const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

// Bundles the app and its libs (path aliases resolved); node_modules stay external.
module.exports = {
  output: { path: join(__dirname, '../../dist/apps/replay') },
  devtool: 'source-map',
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      // `node dist/apps/replay/rebuild.js --room <id> | --all`: the rebuild command in production images.
      // `node dist/apps/replay/store-bench.js load|baselines <input.json>`: the store's in-process
      // phases of bench/replay (which reaches replay only through built entry points).
      additionalEntryPoints: [
        { entryName: 'rebuild', entryPath: 'apps/replay/src/rebuild/rebuild.main.ts' },
        { entryName: 'store-bench', entryPath: 'apps/replay/src/bench/store-bench.main.ts' },
      ],
      tsConfig: './tsconfig.app.json',
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: false,
      sourceMap: true,
    }),
  ],
};
