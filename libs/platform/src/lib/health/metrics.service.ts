import { Injectable } from '@nestjs/common';
import { Registry, collectDefaultMetrics, Counter, Gauge, Histogram } from 'prom-client';

/** One Prometheus registry per app, with process metrics and an `app` label. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  setApp(app: string, instanceId: string): void {
    this.registry.setDefaultLabels({ app, instance: instanceId });
  }

  counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return this.reuse(name) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> {
    return this.reuse(name) ?? new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: L[] = [],
  ): Histogram<L> {
    return this.reuse(name) ?? new Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
  }

  private reuse<T>(name: string): T | undefined {
    return this.registry.getSingleMetric(name) as T | undefined;
  }
}
