import { MetricsEndpoint } from './metrics-endpoint';
import { metricsPortFor } from './metrics-env';
import { MetricsService } from './metrics.service';
import { ReadinessService } from './readiness.service';

describe('MetricsEndpoint', () => {
  let endpoint: MetricsEndpoint;
  let url: string;
  let redisUp = true;

  beforeAll(async () => {
    const metrics = new MetricsService();
    metrics.setApp('test-app', 'i1');
    metrics.counter('things_total', 'Things').inc(3);
    const readiness = new ReadinessService();
    readiness.register('redis', () => redisUp);
    readiness.register('kafka', () => true);
    endpoint = new MetricsEndpoint(metrics, readiness);
    const at = await endpoint.listen('127.0.0.1', 0);
    url = `http://127.0.0.1:${at.port}`;
  });
  afterAll(() => endpoint.onApplicationShutdown());

  it('serves the registry at /metrics with readiness as gauges, read at scrape time', async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^things_total\{app="test-app",instance="i1"\} 3$/m);
    expect(text).toMatch(/^app_ready\{app="test-app",instance="i1"\} 1$/m);
    expect(text).toMatch(/^app_readiness_check\{check="redis",app="test-app",instance="i1"\} 1$/m);

    redisUp = false;
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(after).toMatch(/^app_ready\{[^}]*\} 0$/m);
    expect(after).toMatch(/^app_readiness_check\{check="redis",[^}]*\} 0$/m);
    expect(after).toMatch(/^app_readiness_check\{check="kafka",[^}]*\} 1$/m);
    redisUp = true;
  });

  it('answers 404 for anything else', async () => {
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/healthz`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(404);
  });
});

describe('metricsPortFor', () => {
  it('takes METRICS_PORT, else the app port + 6000, and refuses what cannot work', () => {
    expect(metricsPortFor(3000, 9464)).toBe(9464);
    expect(metricsPortFor(3000, undefined)).toBe(9000);
    expect(metricsPortFor(3010, undefined)).toBe(9010);
    expect(metricsPortFor(60000, undefined)).toMatch(
      /^METRICS_PORT: not set, and the default .* is above 65535/,
    );
    expect(metricsPortFor(3000, 3000)).toMatch(/^METRICS_PORT: must differ/);
  });
});
