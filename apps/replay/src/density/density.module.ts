import { Module } from '@nestjs/common';
import { StoreModule } from '../store/store.module';
import { DensityController } from './density.controller';
import { DensityService } from './density.service';

@Module({ imports: [StoreModule], controllers: [DensityController], providers: [DensityService] })
export class DensityModule {}
