/**
 * Blocked-term filter benchmark (issue 4): evasion recall, false positives on an English
 * word list (against plain substring matching, the issue-2 matcher, measured in the same
 * run), compile time, matcher speed, and the whole moderation decision path against real
 * Redis with 10,000 site-wide terms.
 *
 *   apt-get install wamerican                 # /usr/share/dict/words
 *   npx nx build moderation                   # the decision path runs from the build
 *   npm run bench:filter                      # REDIS_URL (default redis://127.0.0.1:6379), DECISIONS=50000
 *
 * The decision path is the real DecisionService (context read, term cache, policy, the
 * `mod:decide` Lua script per message) in one process on one core, with Kafka publishing
 * replaced by a no-op: moderation's built entry point `dist/apps/moderation/decision-bench.js`,
 * which this bench feeds the terms and texts and reads the figures from. The machine's load
 * skews wall-clock figures; decisions per CPU-second of that process say what one free core
 * does (Redis, another process, not counted). Writes bench/results/filter-<timestamp>.{json,md};
 * its Redis keys live under a fresh namespace that is deleted at the end.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SUFFIXES, canonicalTerm, compileTerms, type CompiledMatcher } from '@danmaku/filter';
import { BLOCKLIST, TRANSFORM_CLASSES, evasionCases, seededRandom } from '@danmaku/filter/testing';
import { startProcess } from '@danmaku/process';

const ROOT = join(__dirname, '..', '..');
const WORDS_FILE = '/usr/share/dict/words';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const DECISIONS = Number(process.env['DECISIONS'] ?? 50_000);
const BATCH = Number(process.env['BATCH'] ?? 100);
/** Partitions decided at once, as MODERATION_DECIDE_CONCURRENCY (default 3) lets the consumer do. */
const CONCURRENCY = Number(process.env['CONCURRENCY'] ?? 3);
const TERM_COUNT = 10_000;
const rand = seededRandom(20_261_121);

// ---------- helpers ----------

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const pct = (part: number, whole: number) => round((100 * part) / Math.max(1, whole), 3);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];

/** The issue-2 matcher: NFKC + lower case, then plain substring search. */
class SubstringBaseline {
  private readonly needles: string[];
  constructor(terms: readonly string[]) {
    this.needles = terms.map(normalizeBaseline).filter((n) => n.length > 0);
  }
  matches(text: string): boolean {
    const hay = normalizeBaseline(text);
    return this.needles.some((n) => hay.includes(n));
  }
}
function normalizeBaseline(text: string): string {
  return text.normalize('NFKC').toLocaleLowerCase('und').normalize('NFKC').trim();
}

const syllables = [
  'ka',
  'zu',
  'mi',
  'tor',
  'vex',
  'qua',
  'lin',
  'dro',
  'pex',
  'gor',
  'yat',
  'wim',
  'sul',
  'bri',
  'fen',
  'hox',
];
/** 10,000 terms: the blocklist, then made-up spam handles and CJK phrases up to the count. */
function tenThousandTerms(): string[] {
  const terms = new Set(BLOCKLIST);
  const han = () => String.fromCodePoint(0x4e00 + Math.floor(rand() * 0x5000));
  while (terms.size < TERM_COUNT) {
    if (rand() < 0.1) terms.add(han() + han() + (rand() < 0.5 ? han() : ''));
    else terms.add(Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(syllables)).join(''));
  }
  return [...terms];
}

function loadWords(): string[] | null {
  if (!existsSync(WORDS_FILE)) return null;
  return readFileSync(WORDS_FILE, 'utf8')
    .split('\n')
    .map((w) => w.trim())
    .filter((w) => w.length > 0);
}

const CJK_CHAT = [
  '今天的直播太好看了',
  '主播加油！',
  '哈哈哈哈哈',
  '这个操作太秀了',
  'ありがとう！',
  'すごい上手',
  '안녕하세요',
  '前方高能',
];
const EMOJI = ['😂', '🎉', '👍', '🔥', '❤️', ''];
/** Chat-like texts: dictionary words with punctuation and emoji, some CJK, a few evasions. */
function chatTexts(words: string[], n: number, evasions: string[]): string[] {
  const plain = words.filter((w) => /^[a-z]+$/.test(w));
  return Array.from({ length: n }, () => {
    const r = rand();
    if (r < 0.05) return pick(evasions);
    if (r < 0.15) return pick(CJK_CHAT);
    const count = 1 + Math.floor(rand() * 10);
    const sentence = Array.from({ length: count }, () => pick(plain)).join(' ');
    return `${rand() < 0.3 ? sentence[0].toUpperCase() + sentence.slice(1) : sentence}${pick(['', '!', '?', '!!!', ' lol'])}${pick(EMOJI)}`;
  });
}

// ---------- measurements ----------

interface Recall {
  overall: number;
  byClass: Record<string, { cases: number; engine: number; substring: number }>;
  substringOverall: number;
  cases: number;
  missedExamples: { cls: string; term: string; text: string }[];
}

function measureRecall(matcher: CompiledMatcher, baseline: SubstringBaseline): Recall {
  const cases = evasionCases(BLOCKLIST, 2024, 2);
  const byClass: Recall['byClass'] = {};
  let hits = 0;
  let baseHits = 0;
  const missed: Recall['missedExamples'] = [];
  for (const c of cases) {
    const row = (byClass[c.cls] ??= { cases: 0, engine: 0, substring: 0 });
    row.cases++;
    // Recall counts the text as caught when it is refused at all (any term matched).
    if (matcher.match(c.text)) {
      row.engine++;
      hits++;
    } else if (missed.length < 25) missed.push(c);
    if (baseline.matches(c.text)) {
      row.substring++;
      baseHits++;
    }
  }
  for (const row of Object.values(byClass)) {
    row.engine = pct(row.engine, row.cases);
    row.substring = pct(row.substring, row.cases);
  }
  return {
    overall: pct(hits, cases.length),
    substringOverall: pct(baseHits, cases.length),
    byClass,
    cases: cases.length,
    missedExamples: missed,
  };
}

interface FalsePositives {
  words: number;
  termWords: number;
  innocentWords: number;
  engine: { flagged: number; rate: number; examples: string[] };
  substring: { flagged: number; rate: number; examples: string[] };
  variants: { name: string; flagged: number; rate: number; recall: number }[];
}

/**
 * Every word is checked alone. A word that is a blocked term or one of its inflections
 * (`asses` for `ass`) is a hit, not a false positive: it is left out of the rate.
 */
function measureFalsePositives(
  words: string[],
  matcher: CompiledMatcher,
  baseline: SubstringBaseline,
): FalsePositives {
  const termForms = new Set<string>();
  for (const t of BLOCKLIST) {
    const c = canonicalTerm(t).replace(/\*/g, '');
    termForms.add(c);
    for (const s of DEFAULT_SUFFIXES) termForms.add(c + s);
    termForms.add(`${c}${c.at(-1)}ing`);
  }
  const isTermWord = (w: string) =>
    termForms.has(w.toLowerCase().replace(/'s$/, '').normalize('NFD').replace(/\p{M}/gu, ''));
  const innocent = words.filter((w) => !isTermWord(w));
  const flaggedBy = (m: (w: string) => boolean) => innocent.filter(m);
  const engineFlagged = flaggedBy((w) => matcher.match(w) !== null);
  const baseFlagged = flaggedBy((w) => baseline.matches(w));
  const sample = (xs: string[]) =>
    xs.filter((_, i) => i % Math.max(1, Math.floor(xs.length / 40)) === 0).slice(0, 40);

  // The design's knobs, measured: fewer or more inflections, leetspeak off.
  const variants = [
    { name: 'no inflections', opts: { suffixes: [] } },
    { name: `inflections ${DEFAULT_SUFFIXES.join('/')} (default)`, opts: {} },
    { name: 'inflections + in/y', opts: { suffixes: [...DEFAULT_SUFFIXES, 'in', 'y'] } },
    { name: 'leetspeak off', opts: { leet: false } },
  ].map(({ name, opts }) => {
    const m = compileTerms(
      BLOCKLIST.map((term, i) => ({ id: String(i), term })),
      opts,
    );
    const flagged = innocent.filter((w) => m.match(w) !== null).length;
    const cases = evasionCases(BLOCKLIST, 2024, 2);
    const recall = pct(cases.filter((c) => m.match(c.text) !== null).length, cases.length);
    return { name, flagged, rate: pct(flagged, innocent.length), recall };
  });

  return {
    words: words.length,
    termWords: words.length - innocent.length,
    innocentWords: innocent.length,
    engine: {
      flagged: engineFlagged.length,
      rate: pct(engineFlagged.length, innocent.length),
      examples: sample(engineFlagged),
    },
    substring: {
      flagged: baseFlagged.length,
      rate: pct(baseFlagged.length, innocent.length),
      examples: sample(baseFlagged),
    },
    variants,
  };
}

function measureCompile(terms: string[]): { terms: number; medianMs: number; nodes: number } {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    compileTerms(terms.map((term, k) => ({ id: String(k), term })));
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  return { terms: terms.length, medianMs: round(runs[2]), nodes: 0 };
}

interface Speed {
  texts: number;
  perSecond: number;
  p50us: number;
  p99us: number;
  meanChars: number;
  flagged: number;
}

/** One decision's matching: the room's terms and the site's 10,000, like DecisionPolicy. */
function measureMatcher(site: CompiledMatcher, room: CompiledMatcher, texts: string[]): Speed {
  for (let i = 0; i < 20_000; i++) site.match(texts[i % texts.length]); // warm-up (JIT, fold cache)
  const times = new Float64Array(texts.length);
  let flagged = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < texts.length; i++) {
    const t0 = process.hrtime.bigint();
    if (room.match(texts[i]) !== null || site.match(texts[i]) !== null) flagged++;
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalS = Number(process.hrtime.bigint() - start) / 1e9;
  const sorted = [...times].sort((a, b) => a - b);
  return {
    texts: texts.length,
    perSecond: Math.round(texts.length / totalS),
    p50us: round(percentile(sorted, 50)),
    p99us: round(percentile(sorted, 99)),
    meanChars: round(texts.reduce((n, t) => n + t.length, 0) / texts.length, 1),
    flagged,
  };
}

interface DecisionPath {
  decisions: number;
  batch: number;
  perSecond: number;
  batchP50ms: number;
  batchP99ms: number;
  singleP50ms: number;
  singleP99ms: number;
  /** Decisions per second of the deciding process's own CPU time (user + system): what one free core would do. */
  perCpuSecond: number;
  /** The same with CONCURRENCY partitions decided at once (the consumer's default). */
  concurrent: {
    partitions: number;
    perSecond: number;
    perCpuSecond: number;
    batchP50ms: number;
    batchP99ms: number;
  };
  outcomes: Record<string, number>;
}

/** Runs moderation's built decision-bench entry point on these terms and texts. */
async function measureDecisionPath(terms: string[], texts: string[]): Promise<DecisionPath> {
  const script = join(ROOT, 'dist', 'apps', 'moderation', 'decision-bench.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npx nx build moderation\` first`);
  // 10,000 site-wide terms and 20 terms in each of 20 rooms.
  const roomTerms = Object.fromEntries(
    Array.from({ length: 20 }, (_, i) => [
      `bench-room-${i}`,
      Array.from({ length: 20 }, () => Array.from({ length: 3 }, () => pick(syllables)).join('')),
    ]),
  );
  const dir = mkdtempSync(join(tmpdir(), 'bench-filter-'));
  try {
    const input = join(dir, 'input.json');
    const args = {
      redisUrl: REDIS_URL,
      siteTerms: terms,
      roomTerms,
      texts,
      decisions: DECISIONS,
      batch: BATCH,
    };
    writeFileSync(input, JSON.stringify({ ...args, concurrency: CONCURRENCY }));
    const proc = startProcess({ name: 'decision-bench', script, args: [input], cwd: ROOT });
    const exit = await proc.exited;
    if (exit.code !== 0) throw proc.exitError();
    return JSON.parse(proc.tail(1)[0]) as DecisionPath;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- report ----------

async function main(): Promise<void> {
  const words = loadWords();
  if (!words) {
    process.stderr.write(
      `${WORDS_FILE} is missing: install Debian's word list first (apt-get install wamerican)\n`,
    );
    process.exit(1);
  }
  const blocklist = compileTerms(BLOCKLIST.map((term, i) => ({ id: String(i), term })));
  const baseline = new SubstringBaseline(BLOCKLIST);
  process.stdout.write(
    `filter bench: ${BLOCKLIST.length} blocked terms, ${words.length} words, node ${process.version}, ${cpus().length}× ${cpus()[0]?.model}, load ${loadavg()[0].toFixed(1)}\n`,
  );

  const recall = measureRecall(blocklist, baseline);
  process.stdout.write(
    `recall on the evasion corpus: ${recall.overall}% (${recall.cases} cases; substring baseline ${recall.substringOverall}%)\n`,
  );
  const fp = measureFalsePositives(words, blocklist, baseline);
  process.stdout.write(
    `false positives on ${fp.innocentWords} innocent words: ${fp.engine.flagged} (${fp.engine.rate}%); substring baseline ${fp.substring.flagged} (${fp.substring.rate}%)\n`,
  );

  const terms = tenThousandTerms();
  const compile = measureCompile(terms);
  process.stdout.write(`compile ${compile.terms} terms: ${compile.medianMs} ms (median of 5)\n`);
  const evasions = evasionCases(BLOCKLIST, 99, 1).map((c) => c.text);
  const texts = chatTexts(words, 200_000, evasions);
  const site = compileTerms(terms.map((term, i) => ({ id: String(i), term })));
  const room = compileTerms(Array.from({ length: 20 }, (_, i) => ({ id: `r${i}`, term: `roomterm${i}` })));
  const speed = measureMatcher(site, room, texts);
  process.stdout.write(
    `matcher alone (room + 10,000 site terms): ${speed.perSecond}/s, p50 ${speed.p50us} µs, p99 ${speed.p99us} µs\n`,
  );

  let decision: DecisionPath | { error: string };
  try {
    decision = await measureDecisionPath(terms, texts);
    const c = decision.concurrent;
    process.stdout.write(
      `decision path (real DecisionService + Redis, batches of ${decision.batch}): one partition at a time ${decision.perSecond} decisions/s (${decision.perCpuSecond} per CPU-second of the deciding process), batch p50 ${decision.batchP50ms} ms, p99 ${decision.batchP99ms} ms; ` +
        `${c.partitions} partitions at once ${c.perSecond} decisions/s (${c.perCpuSecond} per CPU-second), batch p50 ${c.batchP50ms} ms, p99 ${c.batchP99ms} ms; single decision p50 ${decision.singleP50ms} ms, p99 ${decision.singleP99ms} ms\n`,
    );
  } catch (err) {
    decision = { error: String(err) };
    process.stdout.write(`decision path skipped (Redis at ${REDIS_URL}): ${String(err)}\n`);
  }

  const result = {
    at: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus().length}× ${cpus()[0]?.model}`,
    loadAverage: loadavg()[0],
    blocklist: BLOCKLIST.length,
    recall,
    falsePositives: fp,
    compile,
    matcher: speed,
    decisionPath: decision,
  };
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = result.at.replace(/[:.]/g, '-');
  writeFileSync(join(dir, `filter-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, `filter-${stamp}.md`), markdown(result, recall, fp, compile, speed, decision));
  process.stdout.write(`wrote bench/results/filter-${stamp}.{json,md}\n`);
}

function markdown(
  r: { at: string; node: string; cpu?: string; loadAverage: number },
  recall: Recall,
  fp: FalsePositives,
  compile: { terms: number; medianMs: number },
  speed: Speed,
  decision: DecisionPath | { error: string },
): string {
  const lines = [
    `# Filter benchmark, ${r.at}`,
    '',
    `Node ${r.node}, ${r.cpu ?? 'unknown CPU'}, load average ${r.loadAverage.toFixed(1)} at the end; ${BLOCKLIST.length} blocked terms (libs/filter/src/testing/blocklist.ts).`,
    '',
    `## Recall on the evasion corpus: ${recall.overall}% (substring baseline ${recall.substringOverall}%)`,
    '',
    `${recall.cases} disguised terms, each in a sentence (libs/filter/src/testing/corpus.ts, seed 2024).`,
    '',
    '| class | cases | engine | substring |',
    '|---|---|---|---|',
    ...TRANSFORM_CLASSES.filter((c) => recall.byClass[c]).map((c) => {
      const row = recall.byClass[c];
      return `| ${c} | ${row.cases} | ${row.engine}% | ${row.substring}% |`;
    }),
    '',
    recall.missedExamples.length > 0
      ? `Missed, e.g.: ${recall.missedExamples
          .slice(0, 10)
          .map((m) => `\`${m.text}\` (${m.term})`)
          .join(', ')}`
      : 'Nothing missed.',
    '',
    `## False positives on ${WORDS_FILE}`,
    '',
    `${fp.words} words; ${fp.termWords} are blocked terms or their inflections (hits, left out); ${fp.innocentWords} innocent words checked one by one.`,
    '',
    '| matcher | flagged innocent words | rate |',
    '|---|---|---|',
    `| engine (whole words in spaced scripts) | ${fp.engine.flagged} | ${fp.engine.rate}% |`,
    `| substring baseline (NFKC + lower case) | ${fp.substring.flagged} | ${fp.substring.rate}% |`,
    '',
    `Engine, e.g.: ${fp.engine.examples.slice(0, 25).join(', ') || 'none'}`,
    '',
    `Substring, e.g.: ${fp.substring.examples.slice(0, 25).join(', ')}`,
    '',
    '| engine variant | flagged | rate | recall |',
    '|---|---|---|---|',
    ...fp.variants.map((v) => `| ${v.name} | ${v.flagged} | ${v.rate}% | ${v.recall}% |`),
    '',
    '## Speed',
    '',
    `- compile ${compile.terms} terms: ${compile.medianMs} ms (median of 5)`,
    `- matcher alone, room terms + ${compile.terms} site terms, ${speed.texts} chat texts (mean ${speed.meanChars} chars, ${speed.flagged} flagged): **${speed.perSecond}/s**, p50 ${speed.p50us} µs, p99 ${speed.p99us} µs`,
  ];
  if ('error' in decision) lines.push(`- decision path: not measured (${decision.error})`);
  else {
    lines.push(
      `- whole decision path (real DecisionService, real Redis, Kafka publish replaced by a no-op, one Node process), ${decision.decisions} decisions in batches of ${decision.batch}, one partition at a time: **${decision.perSecond} decisions/s** (${decision.perCpuSecond} per second of that process's CPU time), batch p50 ${decision.batchP50ms} ms, p99 ${decision.batchP99ms} ms`,
      `- ${decision.concurrent.partitions} partitions decided at once (MODERATION_DECIDE_CONCURRENCY default): **${decision.concurrent.perSecond} decisions/s** (${decision.concurrent.perCpuSecond} per CPU-second), batch p50 ${decision.concurrent.batchP50ms} ms, p99 ${decision.concurrent.batchP99ms} ms`,
      `- one decision at a time (batch of 1): p50 ${decision.singleP50ms} ms, p99 ${decision.singleP99ms} ms`,
      `- outcomes: ${Object.entries(decision.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

void main().catch((err) => {
  process.stderr.write(`${String(err?.stack ?? err)}\n`);
  process.exit(1);
});
