export * from './lib/error-codes';
export * from './lib/primitives';
export * from './lib/danmaku';
export * from './lib/socket-events';
export * from './lib/kafka-events';
export * from './lib/kafka-topics';
export * from './lib/http';
export * from './lib/redis-keys';
