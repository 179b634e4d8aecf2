import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ReadinessService } from './readiness.service';
import { MetricsService } from './metrics.service';

/** `/healthz` (process up), `/readyz` (Kafka and Redis usable), `/metrics` (Prometheus). */
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() res: Response): Promise<void> {
    const report = await this.readiness.report();
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not-ready', checks: report.checks });
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metricsText(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}
