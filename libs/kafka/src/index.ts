export * from './lib/logger';
export * from './lib/errors';
export * from './lib/kafka-client';
export * from './lib/typed-producer';
export * from './lib/typed-consumer';
export * from './lib/batching-publisher';
export * from './lib/broker-probe';
export * from './lib/dead-letter';
