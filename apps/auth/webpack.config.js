const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

// Bundles the app and its libs (path aliases resolved); node_modules stay external.
module.exports = {
  output: { path: join(__dirname, '../../dist/apps/auth') },
  devtool: 'source-map',
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      // `node dist/apps/auth/rotate-keys.js`: key rotation where tsx is not installed (the image).
      additionalEntryPoints: [{ entryName: 'rotate-keys', entryPath: './src/keys/rotate-keys.main.ts' }],
      tsConfig: './tsconfig.app.json',
      optimization: false,
      outputHashing: 'none',
      generatePackageJson: false,
      sourceMap: true,
    }),
  ],
};
