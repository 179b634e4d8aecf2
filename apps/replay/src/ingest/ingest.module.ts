import { Module } from '@nestjs/common';
import { ReplayMetricsModule } from '../metrics/metrics.module';
import { StoreModule } from '../store/store.module';
import { DanmakuAcceptedConsumer } from './danmaku-accepted.consumer';
import { IngestService } from './ingest.service';

@Module({ imports: [StoreModule, ReplayMetricsModule], providers: [IngestService, DanmakuAcceptedConsumer] })
export class IngestModule {}
