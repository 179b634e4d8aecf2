import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Where the apps, the libs they run with and the launcher scripts read the environment. */
const SCANNED = ['apps', 'libs', 'tools/scripts', 'tools/infra'];
/** Test-only code reads its own knobs (browsers, scopes); the reference is for running the system. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'test', 'platform-e2e', 'testing', 'public']);
const SOURCE = /\.(ts|mjs)$/;
const TEST_FILE = /\.(spec|int-spec|e2e-spec)\.ts$/;
/** Conventions of terminals and CI that the scripts honour like any tool does. */
const CONVENTIONS = new Set(['TERM', 'FORCE_COLOR', 'CI']);

/** `env.X`, `env['X']`, and the keys of env schemas (`X: z.…`, `X: portVar(…)`, `X: count(…)`…). */
const READS = [
  /\benv(?:\.([A-Z][A-Z0-9_]+)\b|\[['"]([A-Z][A-Z0-9_]+)['"]\])/g,
  /^\s+([A-Z][A-Z0-9_]{2,}):\s*(?:z\b|[a-z][A-Za-z]*(?:Var|Vars)\b|count\(|seconds\()/gm,
];

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIPPED_DIRS.has(name)) sourceFiles(path, out);
    } else if (SOURCE.test(name) && !TEST_FILE.test(name)) out.push(path);
  }
  return out;
}

/** Every environment variable the code reads, with the first file that reads it. */
export function envVarsRead(root: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const top of SCANNED)
    for (const file of sourceFiles(join(root, top))) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of READS)
        for (const m of text.matchAll(pattern)) {
          const name = m[1] ?? m[2];
          if (name && !CONVENTIONS.has(name) && !found.has(name)) found.set(name, relative(root, file));
        }
    }
  return found;
}
