export default {
  displayName: 'replay',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/replay',
  testTimeout: 30000,
};
