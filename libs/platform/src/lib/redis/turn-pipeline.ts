import type { ChainableCommander } from 'ioredis';
import type Redis from 'ioredis';

/** One reply of a pipeline: the command's error or its value. */
export type PipelineReply = [Error | null, unknown];

interface Turn {
  pipeline: ChainableCommander;
  replies: Promise<PipelineReply[]>;
}

const turns = new WeakMap<Redis, Turn>();

/**
 * Queues commands into the client's pipeline of this event-loop turn and resolves with their
 * replies, in order. Every caller of one turn (say, a thousand sockets joining in one burst,
 * each reading its sanctions and writing its presence) shares one pipeline: one write to
 * Redis and one read back instead of one per caller. The pipeline leaves on `setImmediate`,
 * right after the turn's I/O callbacks, as ioredis' own auto-pipelining does for single
 * commands. Like any pipeline it is ordered, not atomic; each caller checks its own replies.
 */
export function turnPipeline(
  redis: Redis,
  fill: (pipeline: ChainableCommander) => void,
): Promise<PipelineReply[]> {
  let turn = turns.get(redis);
  if (!turn) {
    const pipeline = redis.pipeline();
    const created: Turn = {
      pipeline,
      replies: new Promise<PipelineReply[]>((resolve, reject) =>
        setImmediate(() => {
          turns.delete(redis);
          pipeline.exec().then((replies) => resolve(replies ?? []), reject);
        }),
      ),
    };
    turns.set(redis, created);
    turn = created;
  }
  const from = turn.pipeline.length;
  fill(turn.pipeline);
  const to = turn.pipeline.length;
  return turn.replies.then((all) => all.slice(from, to));
}
