export * from './lib/seq-tracker';
export * from './lib/danmaku-client';
