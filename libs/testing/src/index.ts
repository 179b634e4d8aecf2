export * from './lib/eventually';
export * from './lib/infra';
export * from './lib/http-client';
export * from './lib/app-process';
export * from './lib/socket-client';
export * from './lib/namespace-cleanup';
export * from './lib/broker-pause';
export * from './lib/fixtures';
