import type { Admin, Kafka } from 'kafkajs';
import type { KafkaLogger } from './logger';

/**
 * Tells whether the Kafka cluster answers right now: every `intervalMs` a metadata request
 * (`describeCluster`) must come back within `timeoutMs`. Producers and consumers notice a
 * stalled or stopped broker only when a request times out after many retries; this makes
 * it visible to `/readyz` within a few seconds (issue 11).
 */
export class BrokerProbe {
  private admin?: Admin;
  private timer?: NodeJS.Timeout;
  private inFlight = false;
  private lastOkAt = 0;
  private wasReachable = true;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: KafkaLogger,
    private readonly intervalMs = 2000,
    private readonly timeoutMs = 1500,
  ) {}

  /** True when a probe succeeded within the last two intervals plus its timeout. */
  get reachable(): boolean {
    return Date.now() - this.lastOkAt <= this.intervalMs * 2 + this.timeoutMs;
  }

  start(): void {
    if (this.timer) return;
    this.admin = this.kafka.admin({ retry: { retries: 0 } });
    void this.probe();
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.admin?.disconnect().catch(() => undefined);
  }

  private async probe(): Promise<void> {
    const admin = this.admin;
    if (!admin || this.inFlight) return;
    this.inFlight = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        admin.connect().then(() => admin.describeCluster()),
        new Promise(
          (_, reject) => (timer = setTimeout(() => reject(new Error('probe timed out')), this.timeoutMs)),
        ),
      ]);
      this.lastOkAt = Date.now();
      if (!this.wasReachable) this.logger.info({}, 'kafka reachable again');
      this.wasReachable = true;
    } catch (error) {
      if (this.wasReachable) this.logger.warn({ error: String(error) }, 'kafka unreachable');
      this.wasReachable = false;
    } finally {
      clearTimeout(timer);
      // A request that timed out may still be hanging: the next probe waits for it only
      // as long as its own timeout (it re-enters once this one settles).
      this.inFlight = false;
    }
  }
}
