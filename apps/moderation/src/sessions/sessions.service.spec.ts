import type { LiveSession, Principal, RoomEvent } from '@danmaku/contracts';
import { DomainException } from '@danmaku/platform';
import type { AuditService } from '../audit/audit.service';
import type { Clock } from '../common/clock';
import type { RoomEventsRepository } from '../messaging/room-events.repository';
import type { RoomStateRepository } from '../rooms/room-state.repository';
import { SessionsService } from './sessions.service';

const admin: Principal = { userId: 'a1', nickname: 'A', role: 'admin', sessionId: 's', expiresAt: 0 };
const user: Principal = { ...admin, userId: 'u1', role: 'user' };

/** In-memory room state with the repository's semantics (one live session per room). */
class FakeRooms {
  live = new Map<string, LiveSession>();
  ended: { roomId: string; sessionId: string }[] = [];
  async startSession(roomId: string, session: LiveSession) {
    const cur = this.live.get(roomId);
    if (cur) return { started: false, live: cur };
    this.live.set(roomId, session);
    return { started: true, live: session };
  }
  async releaseSession(roomId: string, session: LiveSession) {
    if (this.live.get(roomId) === session) this.live.delete(roomId);
  }
  async endSession(roomId: string, endedAt: number) {
    const cur = this.live.get(roomId);
    if (!cur) return null;
    this.live.delete(roomId);
    const entry = { roomId, sessionId: cur.sessionId };
    this.ended.push(entry);
    return {
      ended: { ...cur, endedAt },
      undo: async () => {
        this.ended.splice(this.ended.indexOf(entry), 1);
        this.live.set(roomId, cur);
      },
    };
  }
}

function setup() {
  const rooms = new FakeRooms();
  const published: RoomEvent[] = [];
  let failPublish = false;
  const events = {
    publish: async (e: RoomEvent) => {
      if (failPublish) throw new DomainException('UNAVAILABLE', 'kafka away');
      published.push(e);
    },
  };
  const audited: string[] = [];
  const audit = {
    record: async (_room: string | null, a: { action: string }) => void audited.push(a.action),
  };
  let now = 1000;
  const service = new SessionsService(
    rooms as unknown as RoomStateRepository,
    audit as unknown as AuditService,
    events as unknown as RoomEventsRepository,
    { now: () => now } as Clock,
  );
  return {
    service,
    rooms,
    published,
    audited,
    failNextPublish: (v: boolean) => (failPublish = v),
    tick: (ms: number) => (now += ms),
  };
}

describe('SessionsService', () => {
  it('starts and ends a session, publishing and auditing both', async () => {
    const t = setup();
    const s = await t.service.start(user, 'r1');
    t.tick(500);
    const e = await t.service.end(admin, 'r1');
    expect(e).toEqual({ sessionId: s.sessionId, startedAt: 1000, endedAt: 1500 });
    expect(t.published.map((x) => x.type)).toEqual(['session.started', 'session.ended']);
    expect(t.audited).toEqual(['session.start', 'session.end']);
  });

  it('refuses a second live session and ending when none is live', async () => {
    const t = setup();
    await expect(t.service.end(admin, 'r1')).rejects.toMatchObject({ code: 'NO_LIVE_SESSION' });
    await t.service.start(admin, 'r1');
    await expect(t.service.start(admin, 'r1')).rejects.toMatchObject({ code: 'SESSION_ALREADY_LIVE' });
  });

  it('undoes the start when session.started cannot be published, so a retry works', async () => {
    const t = setup();
    t.failNextPublish(true);
    await expect(t.service.start(admin, 'r1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(t.rooms.live.size).toBe(0);
    expect(t.audited).toEqual([]);
    t.failNextPublish(false);
    await expect(t.service.start(admin, 'r1')).resolves.toMatchObject({ startedAt: 1000 });
  });

  it('undoes the end when session.ended cannot be published', async () => {
    const t = setup();
    const s = await t.service.start(admin, 'r1');
    t.failNextPublish(true);
    await expect(t.service.end(admin, 'r1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(t.rooms.live.get('r1')).toEqual(s);
    expect(t.rooms.ended).toEqual([]);
  });
});
