import { Module } from '@nestjs/common';
import { StoreModule } from '../store/store.module';
import { TimelineController } from './timeline.controller';
import { TimelineService } from './timeline.service';

@Module({ imports: [StoreModule], controllers: [TimelineController], providers: [TimelineService] })
export class TimelineModule {}
