import { KAFKA_TOPICS, type AuthSessionEvent } from '@danmaku/contracts';
import { BatchingPublisher } from './batching-publisher';
import type { TypedProducer } from './typed-producer';

const event = (i: number): AuthSessionEvent => ({
  type: 'session.revoked',
  sessionId: `s${i}`,
  userId: 'u',
  at: i,
});

function fakeProducer(fail = false) {
  const sends: string[][] = [];
  let release: () => void = () => undefined;
  const producer = {
    publish: (_t: unknown, ...messages: AuthSessionEvent[]) => {
      sends.push(messages.map((m) => m.sessionId));
      return new Promise<void>((resolve, reject) => {
        release = () => (fail ? reject(new Error('down')) : resolve());
      });
    },
  } as unknown as TypedProducer;
  return { producer, sends, release: () => release() };
}

describe('BatchingPublisher', () => {
  it('sends the first message at once and batches what arrives while a request is in flight', async () => {
    const f = fakeProducer();
    const p = new BatchingPublisher(f.producer, KAFKA_TOPICS.authSessions);
    const first = p.publish(event(1));
    const rest = [2, 3, 4].map((i) => p.publish(event(i)));
    expect(f.sends).toEqual([['s1']]);
    f.release();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(f.sends).toEqual([['s1'], ['s2', 's3', 's4']]);
    f.release();
    await Promise.all(rest);
  });

  it('rejects every caller of a failed request', async () => {
    const f = fakeProducer(true);
    const p = new BatchingPublisher(f.producer, KAFKA_TOPICS.authSessions);
    const a = p.publish(event(1));
    f.release();
    await expect(a).rejects.toThrow('down');
  });
});
