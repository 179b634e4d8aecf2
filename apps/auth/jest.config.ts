export default {
  displayName: 'auth',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/auth',
  testTimeout: 30000,
};
