import type { Admin, ITopicConfig } from 'kafkajs';
import { createTopics, TopicsNotReadyError } from './topics';

/** What kafkajs throws when a broker's metadata does not know a topic yet. */
const unknownTopic = Object.assign(new Error('This server does not host this topic-partition'), {
  type: 'UNKNOWN_TOPIC_OR_PARTITION',
  retriable: true,
});

const topic: ITopicConfig = { topic: 't1', numPartitions: 2, replicationFactor: -1 };

/** An admin whose metadata answers come from `answers`, one per call (the last one repeats). */
function fakeAdmin(answers: Array<Error | Array<{ leader: number }>>, existing: string[] = []) {
  const calls = { created: [] as string[][], metadata: 0 };
  const admin = {
    listTopics: async () => [...existing, ...calls.created.flat()],
    createTopics: async ({ topics }: { topics: ITopicConfig[] }) => {
      calls.created.push(topics.map((t) => t.topic));
      return true;
    },
    fetchTopicMetadata: async () => {
      const answer = answers[Math.min(calls.metadata++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return { topics: [{ name: 't1', partitions: answer.map((p, i) => ({ partitionId: i, ...p })) }] };
    },
  };
  return { admin: admin as unknown as Admin, calls };
}

describe('createTopics', () => {
  it('creates a missing topic and waits out a broker that does not know it yet', async () => {
    const { admin, calls } = fakeAdmin([
      unknownTopic,
      [{ leader: -1 }, { leader: 1 }],
      [{ leader: 1 }, { leader: 1 }],
    ]);
    await expect(createTopics(admin, [topic])).resolves.toEqual(['t1']);
    expect(calls.created).toEqual([['t1']]); // created once, not again on the retries
    expect(calls.metadata).toBe(3);
  });

  it('leaves an existing topic alone', async () => {
    const { admin, calls } = fakeAdmin([[{ leader: 1 }, { leader: 1 }]], ['t1']);
    await expect(createTopics(admin, [topic])).resolves.toEqual([]);
    expect(calls.created).toEqual([]);
  });

  it('throws a non-retriable error at once', async () => {
    const denied = Object.assign(new Error('Topic authorization failed'), { retriable: false });
    const { admin, calls } = fakeAdmin([denied]);
    await expect(createTopics(admin, [topic])).rejects.toThrow('Topic authorization failed');
    expect(calls.metadata).toBe(1);
  });

  it('gives up when the partitions have no leader by the deadline', async () => {
    const { admin } = fakeAdmin([[{ leader: -1 }, { leader: -1 }]]);
    await expect(createTopics(admin, [topic], undefined, 200)).rejects.toBeInstanceOf(TopicsNotReadyError);
  });
});
