const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

// Bundles the app and its libs (path aliases resolved); node_modules stay external.
module.exports = {
  output: { path: join(__dirname, '../../dist/apps/moderation') },
  devtool: 'source-map',
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      // `node dist/apps/moderation/decision-bench.js <input.json>`: the decision path under load,
      // run by bench/filter (which reaches moderation only through built entry points).
      additionalEntryPoints: [
        { entryName: 'decision-bench', entryPath: 'apps/moderation/src/bench/decision-bench.main.ts' },
      ],
      tsConfig: './tsconfig.app.json',
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: false,
      sourceMap: true,
    }),
  ],
};
