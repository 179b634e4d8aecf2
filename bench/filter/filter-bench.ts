/**
 * Entry point of the filter benchmark (see filter-bench.main.ts):
 *
 *   npx tsx bench/filter/filter-bench.ts
 *
 * The benchmark imports the apps' sources, which use the `@danmaku/*` path aliases of
 * tsconfig.base.json; tsx reads a tsconfig.json from the working directory only, so this
 * launcher runs the benchmark again with `TSX_TSCONFIG_PATH` pointing at bench/filter's.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const result = spawnSync(
  process.execPath,
  [...process.execArgv, join(__dirname, 'filter-bench.main.ts'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: { ...process.env, TSX_TSCONFIG_PATH: join(__dirname, 'tsconfig.json') },
  },
);
process.exit(result.status ?? 1);
