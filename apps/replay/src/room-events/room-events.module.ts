import { Module } from '@nestjs/common';
import { ReplayMetricsModule } from '../metrics/metrics.module';
import { StoreModule } from '../store/store.module';
import { RoomEventsConsumer } from './room-events.consumer';
import { RoomEventsService } from './room-events.service';

@Module({ imports: [StoreModule, ReplayMetricsModule], providers: [RoomEventsService, RoomEventsConsumer] })
export class RoomEventsModule {}
