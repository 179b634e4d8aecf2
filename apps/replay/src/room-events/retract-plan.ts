import { danmakuSchema } from '@danmaku/contracts';
import { indexesOf } from '../store/replay-keys';
import type { RoomRetractPlan } from '../store/replay-store.repository';

/** The retract script's input: for each id, the indexes its stored body (if any) sits in. */
export function buildRetractPlan(roomId: string, ids: string[], bodies: (string | null)[]): RoomRetractPlan {
  const plan: RoomRetractPlan = { roomId, sessionIds: [], entries: [] };
  const sessionIndex = new Map<string, number>();
  ids.forEach((id, i) => {
    const body = bodies[i];
    if (body === null || body === undefined) {
      plan.entries.push({ id, indexed: null });
      return;
    }
    const idx = indexesOf(danmakuSchema.parse(JSON.parse(body)));
    let session = null;
    if (idx.session) {
      let index = sessionIndex.get(idx.session.sessionId);
      if (index === undefined) {
        plan.sessionIds.push(idx.session.sessionId);
        index = plan.sessionIds.length;
        sessionIndex.set(idx.session.sessionId, index);
      }
      session = { index, member: idx.session.member, densityField: idx.session.densityField };
    }
    plan.entries.push({ id, indexed: { roomMember: idx.roomMember, session } });
  });
  return plan;
}
