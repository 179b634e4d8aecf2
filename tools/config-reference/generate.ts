// npm run config:docs — writes docs/configuration.md from the apps' zod env schemas.
//   --check   write nothing; exit 1 when the file is out of date (npm test runs this)
//
// Each app's schema is the `<x>EnvSchema` export of apps/<app>/src/config/*.config.ts: a new
// app or variable shows up without touching this script, and a variable without a
// `.describe()` text fails both modes, and so does a variable the code reads (env.X, env['X'],
// an env schema's key) that neither a schema nor other-vars.ts documents.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { commonEnvShape } from '@danmaku/platform';
import { envVarsRead } from './env-scan';
import { OTHER_VAR_GROUPS } from './other-vars';
import { renderConfigReference, type AppEnvSchema } from './reference';

const ROOT = resolve(__dirname, '..', '..');
const TARGET = join(ROOT, 'docs', 'configuration.md');
/** Apps with a zod env schema, in the order the reference lists them. */
const APP_ORDER = ['gateway', 'auth', 'moderation', 'replay'];

async function findAppSchemas(): Promise<AppEnvSchema[]> {
  const found: AppEnvSchema[] = [];
  const appsDir = join(ROOT, 'apps');
  for (const app of readdirSync(appsDir)) {
    const configDir = join(appsDir, app, 'src', 'config');
    if (!existsSync(configDir)) continue;
    for (const name of readdirSync(configDir).filter((f) => f.endsWith('.config.ts'))) {
      const path = join(configDir, name);
      const mod = (await import(path)) as Record<string, unknown>;
      for (const [exported, value] of Object.entries(mod)) {
        if (exported.endsWith('EnvSchema') && value instanceof z.ZodObject)
          found.push({ app, file: relative(ROOT, path), schema: value });
      }
    }
  }
  const rank = (app: string) => (APP_ORDER.includes(app) ? APP_ORDER.indexOf(app) : APP_ORDER.length);
  return found.sort((a, b) => rank(a.app) - rank(b.app) || a.app.localeCompare(b.app));
}

/** Variables the code reads that the reference would not mention. */
function undocumentedVars(apps: AppEnvSchema[]): string[] {
  const documented = new Set([
    ...Object.keys(commonEnvShape),
    ...apps.flatMap((a) => Object.keys(a.schema.shape)),
    ...OTHER_VAR_GROUPS.flatMap((g) => g.vars.map((v) => v.name)),
  ]);
  return [...envVarsRead(ROOT)]
    .filter(([name]) => !documented.has(name))
    .map(
      ([name, file]) =>
        `${name}: read in ${file} but documented nowhere (add it to its schema or to other-vars.ts)`,
    );
}

/** Hand-written variables whose reader no longer mentions them. */
function staleOtherVars(): string[] {
  const problems: string[] = [];
  for (const group of OTHER_VAR_GROUPS)
    for (const v of group.vars)
      for (const file of v.readBy) {
        const path = join(ROOT, file);
        if (!existsSync(path) || !readFileSync(path, 'utf8').includes(v.name))
          problems.push(`${v.name}: ${file} does not read it (tools/config-reference/other-vars.ts)`);
      }
  return problems;
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const apps = await findAppSchemas();
  const problems = [...staleOtherVars(), ...undocumentedVars(apps)];
  if (problems.length) {
    for (const p of problems) console.error(`config reference: ${p}`);
    return 1;
  }
  const prettier = await import('prettier');
  const markdown = renderConfigReference(apps, OTHER_VAR_GROUPS);
  const formatted = await prettier.format(markdown, {
    ...(await prettier.resolveConfig(TARGET)),
    filepath: TARGET,
  });
  const current = existsSync(TARGET) ? readFileSync(TARGET, 'utf8') : '';
  if (check) {
    if (current === formatted) {
      console.log('config reference: docs/configuration.md is up to date');
      return 0;
    }
    console.error(
      'config reference: docs/configuration.md is out of date with the env schemas; run `npm run config:docs` and commit it',
    );
    return 1;
  }
  if (current !== formatted) writeFileSync(TARGET, formatted);
  console.log(`config reference: ${current === formatted ? 'unchanged' : 'wrote'} ${relative(ROOT, TARGET)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
