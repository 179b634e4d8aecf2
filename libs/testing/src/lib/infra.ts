import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/** The real Kafka and Redis the tests talk to (brought up by `npm run infra:up`). */
export function testInfra(): { kafkaBrokers: string; redisUrl: string } {
  return {
    kafkaBrokers: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  };
}

/** A short unique name for topics, groups, rooms, users and namespaces in one test. */
export function uniqueId(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Ports this process handed out already: the kernel may offer a just-closed port again. */
const handedOut = new Set<number>();

/**
 * A TCP port that was free a moment ago, and never handed out before by this process: a
 * stack picks several ports at once (apps and their metrics listeners) before any of them
 * listens, so two picks must not collide.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
