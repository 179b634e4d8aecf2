import Redis from 'ioredis';
import { Counter, Registry } from 'prom-client';
import { freePort } from '@danmaku/testing';
import { guardPublish } from './gateway-io.adapter';

/**
 * Issue 14, item 8: the Redis adapter publishes without handling the promise. A real
 * ioredis client with nothing listening: the rejection must be caught and counted, not
 * escape as an unhandled rejection (which exits the process).
 */
describe('guardPublish', () => {
  it('catches and counts a failed publish (Redis unreachable), resolving to 0 receivers', async () => {
    const client = new Redis(`redis://127.0.0.1:${await freePort()}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: true,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    const registry = new Registry();
    const failures = new Counter({ name: 'publish_errors_total', help: 'x', registers: [registry] });
    const warnings: string[] = [];
    guardPublish(client, failures, { warn: (_obj: object, msg: string) => warnings.push(msg) } as never);
    const escaped: unknown[] = [];
    const onUnhandled = (reason: unknown) => escaped.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // As the adapter does: fire and forget.
      void client.publish('socket.io#/#', 'payload');
      await expect(client.publish('socket.io#/#', 'payload')).resolves.toBe(0);
      await new Promise((r) => setTimeout(r, 50));
      expect((await registry.getSingleMetric('publish_errors_total')?.get())?.values[0].value).toBe(2);
      expect(warnings).toEqual(['redis adapter publish failed', 'redis adapter publish failed']);
      expect(escaped).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      client.disconnect();
    }
  });
});
