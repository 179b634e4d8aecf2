export * from './lib/seq-tracker';
export * from './lib/danmaku-client';
export * from './lib/typed-emitter';
export { randomId } from './lib/random-id';
