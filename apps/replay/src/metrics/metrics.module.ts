import { Module } from '@nestjs/common';
import { ReplayMetrics } from './replay.metrics';

@Module({ providers: [ReplayMetrics], exports: [ReplayMetrics] })
export class ReplayMetricsModule {}
