import type Redis from 'ioredis';
import { turnPipeline } from './turn-pipeline';

/** A client whose pipelines record their commands and answer each with `<name>:<arg>`. */
function fakeRedis(failWith?: Error) {
  const created: string[][] = [];
  const redis = {
    pipeline() {
      const queue: string[] = [];
      created.push(queue);
      const p = {
        get length() {
          return queue.length;
        },
        get(key: string) {
          queue.push(`get:${key}`);
          return p;
        },
        exec: () =>
          failWith
            ? Promise.reject(failWith)
            : Promise.resolve(queue.map((c) => [null, c] as [Error | null, unknown])),
      };
      return p;
    },
  };
  return { redis: redis as unknown as Redis, created };
}

describe('turnPipeline', () => {
  it('sends the commands of one turn in one pipeline and gives each caller its own replies', async () => {
    const { redis, created } = fakeRedis();
    const a = turnPipeline(redis, (p) => p.get('a1').get('a2'));
    const b = turnPipeline(redis, (p) => p.get('b1'));
    await expect(a).resolves.toEqual([
      [null, 'get:a1'],
      [null, 'get:a2'],
    ]);
    await expect(b).resolves.toEqual([[null, 'get:b1']]);
    expect(created).toEqual([['get:a1', 'get:a2', 'get:b1']]);
  });

  it('starts a new pipeline in the next turn', async () => {
    const { redis, created } = fakeRedis();
    await turnPipeline(redis, (p) => p.get('first'));
    await turnPipeline(redis, (p) => p.get('second'));
    expect(created).toEqual([['get:first'], ['get:second']]);
  });

  it('rejects every caller of the turn when the pipeline fails', async () => {
    const { redis } = fakeRedis(new Error('connection lost'));
    const a = turnPipeline(redis, (p) => p.get('a'));
    const b = turnPipeline(redis, (p) => p.get('b'));
    await expect(a).rejects.toThrow('connection lost');
    await expect(b).rejects.toThrow('connection lost');
  });
});
