export default {
  displayName: 'moderation',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/moderation',
  testTimeout: 30000,
};
