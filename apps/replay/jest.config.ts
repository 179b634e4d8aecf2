export default {
  displayName: 'replay',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/replay',
  testTimeout: 30000,
  // `npm test -- --unit` runs without Kafka, Redis or a build: leave the integration suites out.
  testPathIgnorePatterns:
    process.env['DANMAKU_TEST_SCOPE'] === 'unit' ? ['/node_modules/', '/test/'] : ['/node_modules/'],
};
