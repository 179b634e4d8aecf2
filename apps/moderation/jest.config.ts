export default {
  displayName: 'moderation',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/moderation',
  testTimeout: 30000,
  // `npm test -- --unit` runs without Kafka, Redis or a build: the integration suites (which
  // spawn the built auth and moderation apps) are left out there, not run and skipped.
  testPathIgnorePatterns: process.env['DANMAKU_TEST_SCOPE'] === 'unit' ? ['/node_modules/', '/test/'] : ['/node_modules/'],
};
