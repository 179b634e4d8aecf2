/**
 * `--profile`: server processes run with `node --cpu-prof`; at exit each writes a
 * .cpuprofile (open it in Chrome DevTools or speedscope). This summarizes each one as the
 * functions with the most self time, for the report.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  top: Array<{ fn: string; where: string; selfMs: number; share: number }>;
}

/** `--cpu-prof` flags that write into dir with the process name in the file name. */
export function profileFlags(dir: string, name: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`];
}

function where(url: string, line: number): string {
  if (!url) return '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  return `${url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/')}:${line + 1}`;
}

export function summarizeProfiles(dir: string, topN = 12): ProfileSummary[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  const out: ProfileSummary[] = [];
  for (const f of files.sort()) {
    try {
      const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
      const totalSamples = p.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0) || 1;
      const totalMs = (p.endTime - p.startTime) / 1000;
      const perSample = totalMs / totalSamples;
      const byFn = new Map<string, { fn: string; where: string; hits: number }>();
      for (const node of p.nodes) {
        const cf = node.callFrame;
        const fn = cf.functionName || '(anonymous)';
        // Idle time says nothing about the work; everything else does.
        if (fn === '(idle)' || fn === '(program)' || fn === '(root)') continue;
        const w = where(cf.url, cf.lineNumber);
        const key = `${fn}|${w}`;
        const e = byFn.get(key) ?? { fn, where: w, hits: 0 };
        e.hits += node.hitCount ?? 0;
        byFn.set(key, e);
      }
      const busy = [...byFn.values()].reduce((n, e) => n + e.hits, 0) || 1;
      out.push({
        file: basename(f),
        totalMs: Math.round(busy * perSample),
        top: [...byFn.values()]
          .sort((a, b) => b.hits - a.hits)
          .slice(0, topN)
          .map((e) => ({
            fn: e.fn,
            where: e.where,
            selfMs: Math.round(e.hits * perSample),
            share: e.hits / busy,
          })),
      });
    } catch {
      // a profile cut short by SIGKILL: skip it
    }
  }
  return out;
}
