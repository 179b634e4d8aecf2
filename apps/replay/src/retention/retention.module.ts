import { Module } from '@nestjs/common';
import { ReplayMetricsModule } from '../metrics/metrics.module';
import { StoreModule } from '../store/store.module';
import { RetentionService } from './retention.service';
import { RetentionSweeper } from './retention.sweeper';

@Module({ imports: [StoreModule, ReplayMetricsModule], providers: [RetentionService, RetentionSweeper] })
export class RetentionModule {}
