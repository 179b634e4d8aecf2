import type { Danmaku } from '@danmaku/contracts';
import { indexesOf } from '../store/replay-keys';
import type { RoomIngestPlan } from '../store/replay-store.repository';

/** Messages per script call: big enough to amortise the round trip, small enough not to stall Redis. */
export const INGEST_CHUNK = 500;

/**
 * Splits a consumed batch into per-room script calls (a script may only touch one room's
 * keys), keeping the batch order inside each room. Lazy, so the caller can send one plan to
 * Redis while the next is being encoded.
 */
export function* buildIngestPlans(items: Danmaku[], chunk = INGEST_CHUNK): Generator<RoomIngestPlan> {
  const byRoom = new Map<string, Danmaku[]>();
  for (const d of items) {
    const list = byRoom.get(d.roomId);
    if (list) list.push(d);
    else byRoom.set(d.roomId, [d]);
  }
  for (const [roomId, list] of byRoom) {
    for (let start = 0; start < list.length; start += chunk) {
      yield planFor(roomId, list.slice(start, start + chunk));
    }
  }
}

function planFor(roomId: string, items: Danmaku[]): RoomIngestPlan {
  const sessionIndex = new Map<string, number>();
  const plan: RoomIngestPlan = { roomId, sessions: [], entries: [] };
  for (const d of items) {
    const idx = indexesOf(d);
    let session = null;
    if (idx.session) {
      let index = sessionIndex.get(idx.session.sessionId);
      if (index === undefined) {
        plan.sessions.push({
          sessionId: idx.session.sessionId,
          startedAt: Math.max(0, d.sentAt - (d.offsetMs ?? 0)),
        });
        index = plan.sessions.length;
        sessionIndex.set(idx.session.sessionId, index);
      }
      session = { index, member: idx.session.member, densityField: idx.session.densityField };
    }
    plan.entries.push({ id: d.id, body: JSON.stringify(d), roomMember: idx.roomMember, session });
  }
  return plan;
}
