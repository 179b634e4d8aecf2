import { Module } from '@nestjs/common';
import { ReplayStoreRepository } from './replay-store.repository';

@Module({ providers: [ReplayStoreRepository], exports: [ReplayStoreRepository] })
export class StoreModule {}
