import type { z } from 'zod';
import {
  authSessionEventSchema,
  danmakuAcceptedSchema,
  danmakuRejectedSchema,
  danmakuSubmittedSchema,
  roomEventSchema,
} from './kafka-events';

/** A Kafka topic, the schema of its messages and how a message picks its partition key. */
export interface TopicDefinition<S extends z.ZodType = z.ZodType> {
  /** Base name; `topicName()` adds the deployment namespace. */
  name: string;
  partitions: number;
  schema: S;
  /** Messages with the same key keep their order; every danmaku topic is keyed by room. */
  key: (message: z.infer<S>) => string;
  /** Broker-side retention in ms (undefined: the broker default). */
  retentionMs?: number;
}

function defineTopic<S extends z.ZodType>(t: TopicDefinition<S>): TopicDefinition<S> {
  return t;
}

const DAY = 24 * 3600 * 1000;

/**
 * The topic registry. Keys are by room so one room's messages stay ordered and one
 * consumer decides (and numbers) them; see docs/adr/0002-kafka-key-by-room.md.
 */
export const KAFKA_TOPICS = {
  danmakuSubmitted: defineTopic({
    name: 'danmaku.submitted.v1',
    partitions: 6,
    schema: danmakuSubmittedSchema,
    key: (m) => m.roomId,
    retentionMs: 7 * DAY,
  }),
  danmakuAccepted: defineTopic({
    name: 'danmaku.accepted.v1',
    partitions: 6,
    schema: danmakuAcceptedSchema,
    key: (m) => m.danmaku.roomId,
    retentionMs: 30 * DAY,
  }),
  danmakuRejected: defineTopic({
    name: 'danmaku.rejected.v1',
    partitions: 6,
    schema: danmakuRejectedSchema,
    key: (m) => m.roomId,
    retentionMs: 1 * DAY,
  }),
  roomEvents: defineTopic({
    name: 'room.events.v1',
    partitions: 6,
    schema: roomEventSchema,
    key: (m) => m.roomId,
    retentionMs: 30 * DAY,
  }),
  authSessions: defineTopic({
    name: 'auth.sessions.v1',
    partitions: 3,
    schema: authSessionEventSchema,
    key: (m) => m.sessionId,
    retentionMs: 1 * DAY,
  }),
} as const;
export type TopicKey = keyof typeof KAFKA_TOPICS;

/** The real topic name in a deployment namespace (`DANMAKU_NAMESPACE`, empty by default). */
export function topicName(topic: TopicDefinition, namespace = ''): string {
  return namespace ? `${namespace}.${topic.name}` : topic.name;
}

/** Consumer group names: `<app>.<purpose>`, namespaced like topics. */
export function consumerGroup(app: string, purpose: string, namespace = ''): string {
  const base = `${app}.${purpose}`;
  return namespace ? `${namespace}.${base}` : base;
}
