export default {
  displayName: 'gateway',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/gateway',
  testTimeout: 30000,
};
