import {
  FIXED_KAFKAJS_VERSION,
  fixKafkajsIdleTimerLoop,
  fixLoadedKafkajs,
  type RequestQueueInternals,
} from './request-queue-fix';

/** kafkajs' own RequestQueue (the class every broker connection uses), untyped internals. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const KafkajsRequestQueue = require('kafkajs/src/network/requestQueue') as new (
  options: Record<string, unknown>,
) => RequestQueueInternals & {
  push(request: unknown): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer | null; size: number }): void;
  maybeThrottle(ms: number): void;
};

const logger = {
  debug: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  info: () => undefined,
};

function queueOf(Queue: typeof KafkajsRequestQueue, maxInFlightRequests: number | null = null) {
  const queue = new Queue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'c',
    broker: 'b:9092',
    logger,
  });
  const checks = jest.spyOn(queue, 'checkPendingRequests');
  const sent: number[] = [];
  const push = (correlationId: number) =>
    queue.push({
      entry: {
        correlationId,
        apiKey: 1,
        apiName: 'Fetch',
        apiVersion: 11,
        resolve: () => undefined,
        reject: () => undefined,
      },
      expectResponse: true,
      sendRequest: () => sent.push(correlationId),
    });
  const respond = (correlationId: number) => queue.fulfillRequest({ correlationId, payload: null, size: 0 });
  return { queue, checks, sent, push, respond };
}

describe('the kafkajs idle timer loop fix', () => {
  // Each test patches a subclass of its own: kafkajs' class itself stays as shipped here.
  let Fixed: typeof KafkajsRequestQueue;
  beforeEach(() => {
    jest.useFakeTimers();
    Fixed = class extends KafkajsRequestQueue {};
    expect(fixKafkajsIdleTimerLoop(FIXED_KAFKAJS_VERSION, Fixed, () => undefined)).toBe(true);
  });
  afterEach(() => jest.useRealTimers());

  it('shows the bug it fixes: unpatched, one response starts a check every millisecond for ever', () => {
    const { push, respond, checks } = queueOf(KafkajsRequestQueue);
    push(1);
    respond(1);
    jest.advanceTimersByTime(100);
    expect(checks.mock.calls.length).toBeGreaterThan(50);
    expect(jest.getTimerCount()).toBe(1);
  });

  it('leaves no timer behind once nothing waits', () => {
    const { push, respond, checks, sent } = queueOf(Fixed);
    push(1);
    respond(1);
    jest.advanceTimersByTime(1000);
    expect(sent).toEqual([1]);
    expect(checks).toHaveBeenCalledTimes(1); // the response's own check
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still sends a request that waited for the in-flight limit, once a response frees a slot', () => {
    const { push, respond, sent } = queueOf(Fixed, 1);
    push(1);
    push(2); // over the limit: queued, a check is scheduled
    expect(sent).toEqual([1]);
    expect(jest.getTimerCount()).toBe(1);
    respond(1);
    expect(sent).toEqual([1, 2]);
    push(3);
    respond(2);
    push(4);
    respond(3);
    jest.advanceTimersByTime(50);
    expect(sent).toEqual([1, 2, 3, 4]);
  });

  it('still sends what waited out a broker throttle when the throttle ends', () => {
    const { queue, push, sent } = queueOf(Fixed);
    queue.maybeThrottle(200);
    push(1);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(150);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(100);
    expect(sent).toEqual([1]);
    jest.advanceTimersByTime(1000);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('leaves another kafkajs version alone, and says so', () => {
    const Other = class extends KafkajsRequestQueue {};
    const warn = jest.fn();
    expect(fixKafkajsIdleTimerLoop('2.3.0', Other, warn)).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('kafkajs 2.3.0'));
    expect(Object.prototype.hasOwnProperty.call(Other.prototype, 'scheduleCheckPendingRequests')).toBe(false);
  });

  it('fixes the installed kafkajs (the version package.json pins)', () => {
    const warn = jest.fn();
    // The real class, as KafkaClient does it: from then on this process runs the fixed scheduler.
    expect(fixLoadedKafkajs(warn)).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    const { push, respond } = queueOf(KafkajsRequestQueue);
    push(1);
    respond(1);
    expect(jest.getTimerCount()).toBe(0);
  });
});
