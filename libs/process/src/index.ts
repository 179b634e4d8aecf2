export * from './lib/managed-process';
export * from './lib/readiness';
export * from './lib/prefixed-output';
export * from './lib/stop-signals';
export * from './lib/heap-policy';
