// Shared Jest settings: SWC transpiles TypeScript (with decorator metadata, which NestJS DI needs)
// and Nx's resolver maps the `@danmaku/*` path aliases from tsconfig.base.json.
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  // jose and uuid ship ESM only; Jest's CommonJS runtime needs them transpiled.
  transformIgnorePatterns: ['/node_modules/(?!(jose|uuid)/)'],
  testMatch: ['**/?(*.)+(spec|int-spec|e2e-spec).ts'],
  // `npm test -- --unit` (DANMAKU_TEST_SCOPE=unit) runs without Kafka, Redis or a build:
  // integration suites (in each project's test/ folder) are left out, not run and skipped.
  testPathIgnorePatterns:
    process.env.DANMAKU_TEST_SCOPE === 'unit' ? ['/node_modules/', '/test/'] : ['/node_modules/'],
};
