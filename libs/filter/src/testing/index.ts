/**
 * `@danmaku/filter/testing`: the blocklist and evasion corpora the filter's tests and its
 * benchmark (bench/filter) share. Kept out of the main entry so the apps never bundle them.
 */
export * from './blocklist';
export * from './corpus';
