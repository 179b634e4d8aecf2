/**
 * One timer for many deadlines: items are kept in one-second buckets and a single interval
 * fires the due ones. Open sockets each need an expiry deadline; a `setTimeout` per socket
 * costs a timer object and a handle each (issue 9: lean sockets), this costs a Set entry.
 * Deadlines fire up to `tickMs` late, never early.
 */
export class TimerWheel<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly slotOf = new Map<T, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly onDue: (item: T) => void,
    private readonly tickMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** (Re)schedules `item` for `atMs` (epoch ms). */
  schedule(item: T, atMs: number): void {
    this.cancel(item);
    const slot = Math.ceil(atMs / this.tickMs);
    let bucket = this.buckets.get(slot);
    if (!bucket) this.buckets.set(slot, (bucket = new Set()));
    bucket.add(item);
    this.slotOf.set(item, slot);
    this.start();
  }

  cancel(item: T): void {
    const slot = this.slotOf.get(item);
    if (slot === undefined) return;
    this.slotOf.delete(item);
    const bucket = this.buckets.get(slot);
    bucket?.delete(item);
    if (bucket?.size === 0) this.buckets.delete(slot);
  }

  get size(): number {
    return this.slotOf.size;
  }

  /** Fires everything due by now (the interval calls this; tests may too). */
  tick(): void {
    const current = Math.floor(this.now() / this.tickMs);
    for (const [slot, bucket] of this.buckets) {
      if (slot > current) continue;
      this.buckets.delete(slot);
      for (const item of bucket) {
        this.slotOf.delete(item);
        this.onDue(item);
      }
    }
    if (this.slotOf.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }
}
