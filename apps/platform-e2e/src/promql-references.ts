/**
 * What a PromQL expression asks of the scraped metrics: the metric names it selects, the
 * labels its matchers name (per metric, with the exact values `=` asks for), and the labels
 * it groups or joins by. Enough for the expressions of deploy/ (no subqueries' `@`, no
 * `without`/`ignoring`, which would name labels that need not exist).
 */
export interface PromqlReferences {
  metrics: Set<string>;
  /** metric → label → exact values asked for with `=` (empty set: only `!=`, `=~`, `!~`). */
  matchers: Map<string, Map<string, Set<string>>>;
  /** Labels of `by (…)` / `on (…)` / `group_left (…)` / `group_right (…)`. */
  groupBy: Set<string>;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;

/** Grafana's interval variables, as a plain duration for parsing. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m');
}

export function promqlReferences(rawExpr: string): PromqlReferences {
  const expr = withoutGrafanaVariables(rawExpr);
  if (expr.includes('$')) throw new Error(`unsupported template variable in: ${rawExpr}`);
  const refs: PromqlReferences = { metrics: new Set(), matchers: new Map(), groupBy: new Set() };
  let i = 0;
  let lastMetric: string | undefined;
  const skipSpace = () => {
    while (i < expr.length && /\s/.test(expr[i])) i++;
  };
  const readParenList = (): string[] => {
    skipSpace();
    if (expr[i] !== '(') return [];
    const end = expr.indexOf(')', i);
    const list = expr
      .slice(i + 1, end)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    i = end + 1;
    return list;
  };
  while (i < expr.length) {
    const ch = expr[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"' || ch === "'") {
      const end = expr.indexOf(ch, i + 1);
      i = end + 1;
    } else if (ch === '[') {
      i = expr.indexOf(']', i) + 1; // a range: [5m]
    } else if (ch === '{') {
      const end = expr.indexOf('}', i);
      const body = expr.slice(i + 1, end);
      const metric = lastMetric ?? '(none)';
      const labels = refs.matchers.get(metric) ?? new Map<string, Set<string>>();
      refs.matchers.set(metric, labels);
      for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
        const values = labels.get(m[1]) ?? new Set<string>();
        if (m[2] === '=') values.add(m[3]);
        labels.set(m[1], values);
      }
      i = end + 1;
      lastMetric = undefined;
    } else if (/[0-9.]/.test(ch)) {
      while (i < expr.length && /[0-9.eE+]/.test(expr[i])) i++;
      lastMetric = undefined;
    } else if (/[a-zA-Z_:]/.test(ch)) {
      IDENT.lastIndex = i;
      const word = IDENT.exec(expr)?.[0] ?? ch;
      i += word.length;
      if (['by', 'on', 'group_left', 'group_right'].includes(word)) {
        for (const label of readParenList()) refs.groupBy.add(label);
        lastMetric = undefined;
        continue;
      }
      if (word === 'without' || word === 'ignoring') throw new Error(`${word} is not supported: ${rawExpr}`);
      skipSpace();
      const isCall = expr[i] === '(' || /^(by|without)\b/.test(expr.slice(i));
      if (isCall || KEYWORDS.has(word.toLowerCase())) {
        lastMetric = undefined;
      } else {
        refs.metrics.add(word);
        lastMetric = word;
      }
    } else {
      i++;
      lastMetric = undefined;
    }
  }
  return refs;
}

/** One scrape in the text format: for each sample name, its label names and their values. */
export type ScrapedSeries = Map<string, Map<string, Set<string>>>;

export function parseExposition(text: string, into: ScrapedSeries = new Map()): ScrapedSeries {
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+\S+/.exec(line);
    if (!m) continue;
    const labels = into.get(m[1]) ?? new Map<string, Set<string>>();
    into.set(m[1], labels);
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      const values = labels.get(l[1]) ?? new Set<string>();
      values.add(l[2]);
      labels.set(l[1], values);
    }
  }
  return into;
}
