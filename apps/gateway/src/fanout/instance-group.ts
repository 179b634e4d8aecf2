import { randomBytes } from 'node:crypto';

/**
 * The purpose of a consumer group that belongs to this process alone: every gateway
 * instance reads every partition of the topic and acts on its own sockets, so no instance
 * depends on another (or on Redis pub/sub) to hear of a danmaku, a revocation or a ban.
 * The random part keeps a restarted process out of its predecessor's group.
 */
export function instancePurpose(name: string, instanceId: string): string {
  return `${name}.${instanceId}.${randomBytes(4).toString('hex')}`;
}
