import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { KAFKA_TOPICS } from '@danmaku/contracts';
import {
  connectViewer,
  emitAck,
  expectEventually,
  httpJson,
  nextEvent,
  produceRawMessage,
  workspaceRoot,
  type ViewerSocket,
} from '@danmaku/testing';
import { parseExposition, promqlReferences, type ScrapedSeries } from './promql-references';
import { adminToken, newUser, roomName, startStack, type Stack } from './stack';

const ROOT = workspaceRoot();
const DASHBOARD = join(ROOT, 'deploy/grafana/dashboards/danmaku.json');
const ALERTS = join(ROOT, 'deploy/prometheus/alerts.yml');
const PROMETHEUS_CONFIG = join(ROOT, 'deploy/prometheus/prometheus.yml');
/** promtool unit tests of the rules: each alert fires on its failure and not on healthy series. */
const ALERT_TESTS = join(ROOT, 'deploy/prometheus/alerts.test.yml');

/**
 * Series Prometheus makes itself for every target (not on any /metrics), with their labels.
 * https://prometheus.io/docs/concepts/jobs_instances/#automatically-generated-labels-and-time-series
 */
const PROMETHEUS_OWN: Record<string, string[]> = { up: ['job', 'instance'] };

interface Query {
  where: string;
  expr: string;
}

function dashboardQueries(): Query[] {
  type Panel = { title?: string; targets?: { expr?: string }[]; panels?: Panel[] };
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const out: Query[] = [];
  const walk = (panels: Panel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? [])
        if (t.expr) out.push({ where: `dashboard "${p.title}"`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  return out;
}

function alertQueries(): Query[] {
  const rules = load(readFileSync(ALERTS, 'utf8')) as {
    groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((g) =>
    g.rules.map((r) => ({ where: `alert ${r.alert ?? r.record}`, expr: r.expr })),
  );
}

/** Every problem of one query against what the apps expose; empty when all it names exists. */
function problemsOf(q: Query, scraped: ScrapedSeries): string[] {
  const refs = promqlReferences(q.expr);
  const problems: string[] = [];
  const labelsOf = (metric: string): Set<string> | undefined => {
    if (PROMETHEUS_OWN[metric]) return new Set(PROMETHEUS_OWN[metric]);
    const series = scraped.get(metric);
    return series && new Set(series.keys());
  };
  if (refs.metrics.size === 0) problems.push(`${q.where}: no metric found in ${q.expr}`);
  for (const metric of refs.metrics) {
    const labels = labelsOf(metric);
    if (!labels) {
      problems.push(`${q.where}: ${metric} is on no app's /metrics`);
      continue;
    }
    for (const label of refs.groupBy) {
      if (!labels.has(label)) problems.push(`${q.where}: groups by ${label}, which ${metric} does not carry`);
    }
    for (const [label, values] of refs.matchers.get(metric) ?? []) {
      if (!labels.has(label)) {
        problems.push(`${q.where}: filters ${metric} on ${label}, which it does not carry`);
        continue;
      }
      const seen = PROMETHEUS_OWN[metric] ? undefined : scraped.get(metric)?.get(label);
      for (const v of values) {
        if (seen && !seen.has(v)) problems.push(`${q.where}: ${metric}{${label}="${v}"} never appears`);
      }
    }
  }
  if (refs.matchers.has('(none)')) problems.push(`${q.where}: a matcher without a metric name`);
  return problems;
}

async function scrapeAll(stack: Stack): Promise<ScrapedSeries> {
  const apps = [stack.auth, stack.moderation, stack.replay, ...stack.gateways];
  const scraped: ScrapedSeries = new Map();
  for (const app of apps) {
    const res = await fetch(`${app.metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    parseExposition(await res.text(), scraped);
  }
  return scraped;
}

describe('dashboard and alert rules against the running apps (real Kafka, Redis, processes)', () => {
  let stack: Stack;
  const sockets: ViewerSocket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 1 });
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack?.stop();
  });

  it('reads every query: the extractor finds metrics, matchers and grouping labels', () => {
    const refs = promqlReferences(
      'sum by (group, topic) (max by (group, topic, partition) (kafka_consumer_lag{group="g"})) > 1000 and ' +
        'histogram_quantile(0.99, sum by (le) (rate(gateway_batch_items_bucket[$__rate_interval])))',
    );
    expect([...refs.metrics].sort()).toEqual(['gateway_batch_items_bucket', 'kafka_consumer_lag']);
    expect([...refs.groupBy].sort()).toEqual(['group', 'le', 'partition', 'topic']);
    expect(refs.matchers.get('kafka_consumer_lag')?.get('group')).toEqual(new Set(['g']));
    const queries = [...dashboardQueries(), ...alertQueries()];
    expect(queries.length).toBeGreaterThan(30);
    // The list: each is on the dashboard.
    const dashboardText = dashboardQueries()
      .map((q) => q.expr)
      .join('\n');
    for (const name of [
      'gateway_connections',
      'gateway_rooms',
      'gateway_batch_deliveries_total',
      'gateway_broadcast_latency_seconds_bucket',
      'gateway_batch_items_bucket',
      'gateway_slow_consumer_drops_total',
      'gateway_slow_consumer_disconnects_total',
      'kafka_consumer_lag',
      'kafka_consumer_skipped_total',
      'moderation_decisions_total',
      'replay_danmaku_stored_total',
      'http_request_duration_seconds_count',
      'http_request_duration_seconds_bucket',
      'app_ready',
    ]) {
      expect(dashboardText).toContain(name);
    }
  });

  it('finds every metric and label the dashboard and the alert rules query on the apps’ metrics ports', async () => {
    // Traffic that makes every labelled series exist: an accepted and a rejected danmaku, a
    // send the gateway refuses, REST calls, and a message no consumer can read.
    const admin = await adminToken(stack);
    const user = await newUser(stack, 'obs');
    const roomId = roomName();
    const term = `obsterm${Date.now().toString(36)}`;
    const blocked = await httpJson('POST', `${stack.moderation.url}/v1/rooms/${roomId}/blocked-terms`, {
      token: admin,
      body: { term },
    });
    expect(blocked.status).toBe(201);
    const socket = await connectViewer(stack.gateways[0].url, user.token);
    sockets.push(socket);
    expect((await emitAck(socket, 'room:join', { roomId })).ok).toBe(true);
    const delivered = nextEvent(socket, 'danmaku:batch');
    const rejected = nextEvent(socket, 'danmaku:rejected');
    expect((await emitAck(socket, 'danmaku:send', { roomId, text: 'hello metrics' })).ok).toBe(true);
    expect((await emitAck(socket, 'danmaku:send', { roomId, text: `no ${term} here` })).ok).toBe(true);
    const refused = await emitAck(socket, 'danmaku:send', { roomId: `${roomId}-not-joined`, text: 'x' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'ROOM_NOT_JOINED' } });
    await Promise.all([delivered, rejected]);
    expect((await httpJson('GET', `${stack.replay.url}/v1/rooms/${roomId}/sessions`)).status).toBe(200);
    await produceRawMessage(stack.namespace, KAFKA_TOPICS.danmakuSubmitted, {
      key: roomId,
      value: '{not json',
    });

    const queries = [...dashboardQueries(), ...alertQueries()];
    const scraped = await expectEventually(
      async () => {
        const s = await scrapeAll(stack);
        expect(queries.flatMap((q) => problemsOf(q, s))).toEqual([]);
        return s;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );

    // The HTTP metric names route templates, never raw URLs.
    const routes = scraped.get('http_request_duration_seconds_count')?.get('route') ?? new Set();
    expect(routes).toContain('/v1/rooms/:roomId/blocked-terms');
    expect(routes).toContain('/v1/rooms/:roomId/sessions');
    expect([...routes].filter((r) => r.includes(roomId))).toEqual([]);
    // ...and the public ports do not serve /metrics.
    for (const app of [stack.auth, stack.moderation, stack.replay, ...stack.gateways]) {
      expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
    }
  });

  it('names nothing that does not exist: a misspelt metric or label is reported', async () => {
    const scraped = await scrapeAll(stack);
    expect(problemsOf({ where: 'probe', expr: 'sum by (app) (gateway_conections)' }, scraped)).toEqual([
      "probe: gateway_conections is on no app's /metrics",
    ]);
    expect(problemsOf({ where: 'probe', expr: 'sum by (room) (gateway_connections)' }, scraped)).toEqual([
      'probe: groups by room, which gateway_connections does not carry',
    ]);
    expect(
      problemsOf({ where: 'probe', expr: 'moderation_decisions_total{outcome="maybe"}' }, scraped),
    ).toEqual(['probe: moderation_decisions_total{outcome="maybe"} never appears']);
  });

  it('passes promtool’s checks and unit tests of the rules and the Prometheus config, where promtool is installed', () => {
    const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    // Debian's `prometheus` package has it (.ci/run installs it); without it the YAML is
    // still parsed above and every expression checked against the apps.
    if (promtool.error) {
      expect(alertQueries().length).toBeGreaterThan(0);
      return;
    }
    const rules = execFileSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' });
    expect(rules).toContain('SUCCESS');
    const config = execFileSync('promtool', ['check', 'config', PROMETHEUS_CONFIG], { encoding: 'utf8' });
    expect(config).toContain('SUCCESS');
    const unitTests = execFileSync('promtool', ['test', 'rules', ALERT_TESTS], { encoding: 'utf8' });
    expect(unitTests).toContain('SUCCESS');
  });
});
