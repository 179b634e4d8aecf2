import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from './metrics.service';
import { ReadinessService } from './readiness.service';

/**
 * `GET /metrics` on a listener of its own (METRICS_HOST:METRICS_PORT), so the Prometheus
 * text never shares the public API's port. Also exposes readiness as gauges, read at
 * scrape time: `app_ready` (what `/readyz` would answer) and `app_readiness_check{check}`.
 */
@Injectable()
export class MetricsEndpoint implements OnApplicationShutdown {
  private server?: Server;

  constructor(
    private readonly metrics: MetricsService,
    readiness: ReadinessService,
  ) {
    // Both gauges are collected in the same scrape: they share one readiness report.
    let pending: ReturnType<ReadinessService['report']> | undefined;
    const report = () => (pending ??= readiness.report().finally(() => (pending = undefined)));
    new Gauge({
      name: 'app_ready',
      help: '1 when every readiness check passes (/readyz answers 200), else 0',
      registers: [metrics.registry],
      async collect() {
        this.set((await report()).ready ? 1 : 0);
      },
    });
    new Gauge({
      name: 'app_readiness_check',
      help: '1 when this readiness check passes, else 0',
      labelNames: ['check'],
      registers: [metrics.registry],
      async collect() {
        const { checks } = await report();
        this.reset();
        for (const [check, ok] of Object.entries(checks)) this.set({ check }, ok ? 1 : 0);
      },
    });
  }

  /** Starts listening; resolves with the bound address. */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const registry = this.metrics.registry;
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if ((req.method === 'GET' || req.method === 'HEAD') && path === '/metrics') {
        registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
            res.end(req.method === 'HEAD' ? undefined : text);
          },
          () => {
            res.writeHead(500, { 'Content-Type': 'text/plain' });
            res.end('metrics collection failed\n');
          },
        );
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('only GET /metrics is served here\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
