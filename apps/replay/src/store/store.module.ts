import { Module } from '@nestjs/common';
import { ReplayStoreRepository } from './replay-store.repository';
import { ReplayMaintenanceRepository } from './replay-maintenance.repository';
import { PersistenceCheck } from './persistence.check';

@Module({
  providers: [ReplayStoreRepository, ReplayMaintenanceRepository, PersistenceCheck],
  exports: [ReplayStoreRepository, ReplayMaintenanceRepository],
})
export class StoreModule {}
