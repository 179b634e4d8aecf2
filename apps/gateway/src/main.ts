import 'reflect-metadata';
import type Redis from 'ioredis';
import { REDIS, runHttpApp } from '@danmaku/platform';
import { AppModule } from './app.module';
import { loadGatewayConfig, type GatewayConfig } from './config/gateway.config';
import { GatewayIoAdapter } from './socket/gateway-io.adapter';

void runHttpApp({
  app: 'gateway',
  loadConfig: () => loadGatewayConfig(),
  port: (c: GatewayConfig) => c.GATEWAY_PORT,
  createModule: (c: GatewayConfig, instanceId: string) => AppModule.forRoot(c, instanceId),
  configure: (nest, c: GatewayConfig) => {
    nest.useWebSocketAdapter(new GatewayIoAdapter(nest, c, nest.get<Redis>(REDIS)));
  },
});
