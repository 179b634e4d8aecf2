import { randomBytes } from 'node:crypto';
import { DEFAULT_ROOM_SETTINGS, sharedRedisKeys } from '@danmaku/contracts';
import { expectEventually, httpJson } from '@danmaku/testing';
import { ModerationStack, type Account } from './support/moderation-stack';

jest.setTimeout(60_000);

const stack = new ModerationStack();
const room = (p = 'room') => `${p}-${randomBytes(4).toString('hex')}`;
let user: Account;
let moderator: Account;
let guest: string;
/** The room `moderator` moderates. */
const modRoom = room('modroom');

beforeAll(async () => {
  await stack.start();
  [user, moderator] = [await stack.user('plain'), await stack.user('mod')];
  guest = await stack.guestToken();
  expect((await stack.api('PUT', `/v1/rooms/${modRoom}/moderators/${moderator.userId}`)).status).toBe(204);
}, 120_000);
afterAll(() => stack.stop(), 60_000);

const eventsOf = (roomId: string) => stack.roomEvents.seen.filter((e) => e.roomId === roomId);

describe('auth and roles', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/v1/rooms/R'],
    ['PATCH', '/v1/rooms/R/settings', { closed: true }],
    ['POST', '/v1/rooms/R/sessions'],
    ['POST', '/v1/rooms/R/sessions/current/end'],
    ['PUT', '/v1/rooms/R/moderators/someone'],
    ['DELETE', '/v1/rooms/R/moderators/someone'],
    ['POST', '/v1/rooms/R/blocked-terms', { term: 'x' }],
    ['GET', '/v1/rooms/R/blocked-terms'],
    ['DELETE', '/v1/rooms/R/blocked-terms/t1'],
    ['POST', '/v1/blocked-terms', { term: 'x' }],
    ['GET', '/v1/blocked-terms'],
    ['DELETE', '/v1/blocked-terms/t1'],
    ['POST', '/v1/rooms/R/bans', { userId: 'x' }],
    ['GET', '/v1/rooms/R/bans'],
    ['DELETE', '/v1/rooms/R/bans/x'],
    ['POST', '/v1/rooms/R/mutes', { userId: 'x', durationSec: 60 }],
    ['GET', '/v1/rooms/R/mutes'],
    ['DELETE', '/v1/rooms/R/mutes/x'],
    ['POST', '/v1/bans', { userId: 'x' }],
    ['GET', '/v1/bans'],
    ['DELETE', '/v1/bans/x'],
    ['DELETE', '/v1/rooms/R/danmaku/d1'],
    ['GET', '/v1/rooms/R/audit-log'],
  ];

  it('answers 401 UNAUTHORIZED on every route without a valid token', async () => {
    const r = room();
    for (const [method, path, body] of routes) {
      for (const token of [null, 'not-a-jwt', `${stack.admin.token.slice(0, -4)}AAAA`]) {
        const res = await stack.api(method, path.replace('/R', `/${r}`), { body, token });
        expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({
          method,
          path,
          status: 401,
          code: 'UNAUTHORIZED',
        });
      }
    }
  });

  it("answers 403 FORBIDDEN to users, guests and other rooms' moderators", async () => {
    const r = room();
    for (const [method, path, body] of routes) {
      for (const token of [user.token, guest, moderator.token]) {
        const res = await stack.api(method, path.replace('/R', `/${r}`), { body, token });
        expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({
          method,
          path,
          status: 403,
          code: 'FORBIDDEN',
        });
      }
    }
  });

  it('lets a room moderator act in their room but not on admin-only routes', async () => {
    const asMod = { token: moderator.token };
    expect((await stack.api('GET', `/v1/rooms/${modRoom}`, asMod)).status).toBe(200);
    expect((await stack.api('GET', `/v1/rooms/${modRoom}/blocked-terms`, asMod)).status).toBe(200);
    expect((await stack.api('GET', `/v1/rooms/${modRoom}/audit-log`, asMod)).status).toBe(200);
    for (const [method, path] of [
      ['PUT', `/v1/rooms/${modRoom}/moderators/${user.userId}`],
      ['DELETE', `/v1/rooms/${modRoom}/moderators/${moderator.userId}`],
      ['GET', '/v1/blocked-terms'],
      ['GET', '/v1/bans'],
      ['GET', '/v1/rooms/_site/audit-log'],
    ]) {
      expect((await stack.api(method, path, asMod)).status).toBe(403);
    }
  });

  it('refuses a token whose session was logged out', async () => {
    const m = await stack.user('loggedout');
    const r = room();
    expect((await stack.api('PUT', `/v1/rooms/${r}/moderators/${m.userId}`)).status).toBe(204);
    expect((await stack.api('GET', `/v1/rooms/${r}`, { token: m.token })).status).toBe(200);
    expect((await httpJson('POST', `${stack.auth.url}/v1/auth/logout`, { token: m.token })).status).toBe(204);
    const res = await stack.api('GET', `/v1/rooms/${r}`, { token: m.token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('stops a removed moderator at once', async () => {
    const m = await stack.user('exmod');
    const r = room();
    expect((await stack.api('PUT', `/v1/rooms/${r}/moderators/${m.userId}`)).status).toBe(204);
    expect((await stack.api('GET', `/v1/rooms/${r}`, { token: m.token })).status).toBe(200);
    expect((await stack.api('DELETE', `/v1/rooms/${r}/moderators/${m.userId}`)).status).toBe(204);
    expect((await stack.api('GET', `/v1/rooms/${r}`, { token: m.token })).status).toBe(403);
    expect((await stack.api('DELETE', `/v1/rooms/${r}/moderators/${m.userId}`)).body.error.code).toBe(
      'NOT_FOUND',
    );
  });
});

describe('rooms, settings and sessions', () => {
  it('shows a room with default settings, its moderators and no live session', async () => {
    const res = await stack.api('GET', `/v1/rooms/${modRoom}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      roomId: modRoom,
      settings: DEFAULT_ROOM_SETTINGS,
      moderators: [moderator.userId],
      live: null,
    });
  });

  it('patches settings, writes the shared key and publishes settings.updated', async () => {
    const r = room();
    const a = await stack.api('PATCH', `/v1/rooms/${r}/settings`, {
      body: { slowModeSec: 5, uniqueChat: true },
    });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ ...DEFAULT_ROOM_SETTINGS, slowModeSec: 5, uniqueChat: true });
    const b = await stack.api('PATCH', `/v1/rooms/${r}/settings`, { body: { maxLength: 500 } });
    expect(b.body).toEqual({ slowModeSec: 5, maxLength: 500, closed: false, uniqueChat: true });
    expect(JSON.parse((await stack.redis.get(sharedRedisKeys.roomSettings(r))) ?? '{}')).toEqual(b.body);
    expect((await stack.api('GET', `/v1/rooms/${r}`)).body.settings).toEqual(b.body);
    await expectEventually(() =>
      expect(eventsOf(r).map((e) => (e.type === 'settings.updated' ? e.settings : null))).toEqual([
        a.body,
        b.body,
      ]),
    );
  });

  it('answers 400 INVALID_PAYLOAD with details for bad settings, room ids and JSON', async () => {
    const r = room();
    const cases: [string, string, unknown, string?][] = [
      ['PATCH', `/v1/rooms/${r}/settings`, { slowModeSec: -1 }, 'slowModeSec'],
      ['PATCH', `/v1/rooms/${r}/settings`, { slowModeSec: 3601 }, 'slowModeSec'],
      ['PATCH', `/v1/rooms/${r}/settings`, { maxLength: 0 }, 'maxLength'],
      ['PATCH', `/v1/rooms/${r}/settings`, { maxLength: 501 }, 'maxLength'],
      ['PATCH', `/v1/rooms/${r}/settings`, { closed: 'yes' }, 'closed'],
      ['PATCH', `/v1/rooms/${r}/settings`, { color: 'red' }],
      ['PATCH', `/v1/rooms/${r}/settings`, {}],
      ['PATCH', `/v1/rooms/${r}/settings`, [1, 2]],
      ['GET', `/v1/rooms/${'x'.repeat(65)}`, undefined, 'roomId'],
      ['GET', '/v1/rooms/bad.room', undefined, 'roomId'],
      ['GET', '/v1/rooms/_site', undefined, 'roomId'],
      ['POST', '/v1/rooms/bad%20room/sessions', undefined, 'roomId'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await stack.api(method, path, { body });
      expect({ path, body, status: res.status, code: res.body?.error?.code }).toEqual({
        path,
        body,
        status: 400,
        code: 'INVALID_PAYLOAD',
      });
      expect(Array.isArray(res.body.error.details)).toBe(true);
      if (field) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    }
    const malformed = await stack.api('PATCH', `/v1/rooms/${r}/settings`, { rawBody: '{"closed": tru' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_PAYLOAD');
  });

  it('starts and ends live sessions, with 409s and room events', async () => {
    const r = room();
    const noLive = await stack.api('POST', `/v1/rooms/${r}/sessions/current/end`);
    expect(noLive.status).toBe(409);
    expect(noLive.body.error.code).toBe('NO_LIVE_SESSION');

    const start = await stack.api('POST', `/v1/rooms/${r}/sessions`);
    expect(start.status).toBe(201);
    expect(start.body).toEqual({ sessionId: expect.any(String), startedAt: expect.any(Number) });
    expect(JSON.parse((await stack.redis.get(sharedRedisKeys.roomLive(r))) ?? 'null')).toEqual(start.body);
    expect((await stack.api('GET', `/v1/rooms/${r}`)).body.live).toEqual(start.body);

    const again = await stack.api('POST', `/v1/rooms/${r}/sessions`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('SESSION_ALREADY_LIVE');

    const end = await stack.api('POST', `/v1/rooms/${r}/sessions/current/end`);
    expect(end.status).toBe(200);
    expect(end.body).toEqual({ ...start.body, endedAt: expect.any(Number) });
    expect(end.body.endedAt).toBeGreaterThanOrEqual(start.body.startedAt);
    expect(await stack.redis.get(sharedRedisKeys.roomLive(r))).toBeNull();
    expect((await stack.api('GET', `/v1/rooms/${r}`)).body.live).toBeNull();

    const next = await stack.api('POST', `/v1/rooms/${r}/sessions`);
    expect(next.status).toBe(201);
    expect(next.body.sessionId).not.toBe(start.body.sessionId);
    await expectEventually(() =>
      expect(eventsOf(r)).toEqual([
        { type: 'session.started', roomId: r, session: start.body, at: start.body.startedAt },
        { type: 'session.ended', roomId: r, session: end.body, at: end.body.endedAt },
        { type: 'session.started', roomId: r, session: next.body, at: next.body.startedAt },
      ]),
    );
  });

  it('lets only admins add and remove moderators, idempotently', async () => {
    const r = room();
    expect((await stack.api('PUT', `/v1/rooms/${r}/moderators/${user.userId}`)).status).toBe(204);
    expect((await stack.api('PUT', `/v1/rooms/${r}/moderators/${user.userId}`)).status).toBe(204);
    expect((await stack.api('GET', `/v1/rooms/${r}`)).body.moderators).toEqual([user.userId]);
    expect((await stack.api('DELETE', `/v1/rooms/${r}/moderators/${user.userId}`)).status).toBe(204);
    expect((await stack.api('GET', `/v1/rooms/${r}`)).body.moderators).toEqual([]);
    const missing = await stack.api('DELETE', `/v1/rooms/${r}/moderators/${user.userId}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
  });
});

describe('blocked terms', () => {
  it('adds, lists and removes room terms', async () => {
    const asMod = { token: moderator.token };
    const add = await stack.api('POST', `/v1/rooms/${modRoom}/blocked-terms`, {
      ...asMod,
      body: { term: '  Spoiler  ' },
    });
    expect(add.status).toBe(201);
    expect(add.body).toEqual({ termId: expect.any(String), term: 'Spoiler' });
    const dup = await stack.api('POST', `/v1/rooms/${modRoom}/blocked-terms`, {
      ...asMod,
      body: { term: 'ＳＰＯＩＬＥＲ' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'CONFLICT', details: { termId: add.body.termId } });
    const list = await stack.api('GET', `/v1/rooms/${modRoom}/blocked-terms`, asMod);
    expect(list.body).toEqual({
      items: [
        {
          termId: add.body.termId,
          term: 'Spoiler',
          createdAt: expect.any(Number),
          createdBy: moderator.userId,
        },
      ],
    });
    // Terms are per room.
    expect((await stack.api('GET', `/v1/rooms/${room()}/blocked-terms`)).body).toEqual({ items: [] });
    expect(
      (await stack.api('DELETE', `/v1/rooms/${modRoom}/blocked-terms/${add.body.termId}`, asMod)).status,
    ).toBe(204);
    const gone = await stack.api('DELETE', `/v1/rooms/${modRoom}/blocked-terms/${add.body.termId}`, asMod);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
    expect((await stack.api('GET', `/v1/rooms/${modRoom}/blocked-terms`, asMod)).body).toEqual({ items: [] });
  });

  it('adds, lists and removes site-wide terms (admins only)', async () => {
    const word = `site${randomBytes(3).toString('hex')}`;
    const add = await stack.api('POST', '/v1/blocked-terms', { body: { term: word } });
    expect(add.status).toBe(201);
    expect(add.body).toEqual({ termId: expect.any(String), term: word });
    expect((await stack.api('GET', '/v1/blocked-terms')).body.items).toContainEqual({
      termId: add.body.termId,
      term: word,
      createdAt: expect.any(Number),
      createdBy: stack.admin.userId,
    });
    expect((await stack.api('DELETE', `/v1/blocked-terms/${add.body.termId}`)).status).toBe(204);
    expect((await stack.api('DELETE', `/v1/blocked-terms/${add.body.termId}`)).status).toBe(404);
    expect(
      (await stack.api('GET', '/v1/blocked-terms')).body.items.map((t: { term: string }) => t.term),
    ).not.toContain(word);
  });

  it('answers 400 for bad terms', async () => {
    for (const body of [{}, { term: '' }, { term: '   ' }, { term: 'x'.repeat(101) }, { term: 5 }]) {
      for (const path of [`/v1/rooms/${modRoom}/blocked-terms`, '/v1/blocked-terms']) {
        const res = await stack.api('POST', path, { body });
        expect({ body, status: res.status, code: res.body.error?.code }).toEqual({
          body,
          status: 400,
          code: 'INVALID_PAYLOAD',
        });
        expect(res.body.error.details[0].path).toBe('term');
      }
    }
    expect((await stack.api('POST', '/v1/blocked-terms', { rawBody: '{term' })).status).toBe(400);
  });
});

describe('bans, mutes and retractions', () => {
  it('bans and unbans in a room, with user.banned / user.unbanned events and the shared key gateways read', async () => {
    const r = room();
    const timed = await stack.api('POST', `/v1/rooms/${r}/bans`, {
      body: { userId: 'troll', reason: 'spam', durationSec: 60 },
    });
    expect(timed.status).toBe(201);
    expect(timed.body).toEqual({
      userId: 'troll',
      roomId: r,
      until: timed.body.createdAt + 60_000,
      reason: 'spam',
      createdAt: expect.any(Number),
      createdBy: stack.admin.userId,
    });
    const forever = await stack.api('POST', `/v1/rooms/${r}/bans`, { body: { userId: 'troll2' } });
    expect(forever.body).toMatchObject({ userId: 'troll2', until: null, reason: null });
    expect(
      (await stack.api('GET', `/v1/rooms/${r}/bans`)).body.items.map((b: { userId: string }) => b.userId),
    ).toEqual(['troll', 'troll2']);
    await expectEventually(() =>
      expect(eventsOf(r)).toEqual([
        {
          type: 'user.banned',
          roomId: r,
          userId: 'troll',
          until: timed.body.until,
          reason: 'spam',
          at: timed.body.createdAt,
        },
        {
          type: 'user.banned',
          roomId: r,
          userId: 'troll2',
          until: null,
          reason: null,
          at: forever.body.createdAt,
        },
      ]),
    );
    expect(await stack.redis.hgetall(sharedRedisKeys.roomBans(r))).toEqual({
      troll: JSON.stringify({ until: timed.body.until }),
      troll2: JSON.stringify({ until: null }),
    });
    expect((await stack.api('DELETE', `/v1/rooms/${r}/bans/troll`)).status).toBe(204);
    expect((await stack.api('DELETE', `/v1/rooms/${r}/bans/troll`)).status).toBe(404);
    expect(
      (await stack.api('GET', `/v1/rooms/${r}/bans`)).body.items.map((b: { userId: string }) => b.userId),
    ).toEqual(['troll2']);
    expect(await stack.redis.hkeys(sharedRedisKeys.roomBans(r))).toEqual(['troll2']);
    await expectEventually(() =>
      expect(eventsOf(r).at(-1)).toEqual({
        type: 'user.unbanned',
        roomId: r,
        userId: 'troll',
        at: expect.any(Number),
      }),
    );
  });

  it('mutes and unmutes in a room, with user.muted / user.unmuted events and the shared key', async () => {
    const r = room();
    const mute = await stack.api('POST', `/v1/rooms/${r}/mutes`, {
      body: { userId: 'loud', durationSec: 300 },
    });
    expect(mute.status).toBe(201);
    expect(mute.body).toMatchObject({
      userId: 'loud',
      roomId: r,
      until: mute.body.createdAt + 300_000,
      reason: null,
    });
    expect((await stack.api('GET', `/v1/rooms/${r}/mutes`)).body.items).toEqual([mute.body]);
    await expectEventually(() =>
      expect(eventsOf(r)).toEqual([
        {
          type: 'user.muted',
          roomId: r,
          userId: 'loud',
          until: mute.body.until,
          reason: null,
          at: mute.body.createdAt,
        },
      ]),
    );
    expect(await stack.redis.hget(sharedRedisKeys.roomMutes(r), 'loud')).toBe(
      JSON.stringify({ until: mute.body.until }),
    );
    expect((await stack.api('DELETE', `/v1/rooms/${r}/mutes/loud`)).status).toBe(204);
    expect((await stack.api('GET', `/v1/rooms/${r}/mutes`)).body.items).toEqual([]);
    expect((await stack.api('DELETE', `/v1/rooms/${r}/mutes/loud`)).body.error.code).toBe('NOT_FOUND');
    expect(await stack.redis.hget(sharedRedisKeys.roomMutes(r), 'loud')).toBeNull();
    await expectEventually(() =>
      expect(eventsOf(r).map((e) => e.type)).toEqual(['user.muted', 'user.unmuted']),
    );
  });

  it('drops expired sanctions from the lists', async () => {
    const r = room();
    await stack.api('POST', `/v1/rooms/${r}/mutes`, { body: { userId: 'brief', durationSec: 1 } });
    expect((await stack.api('GET', `/v1/rooms/${r}/mutes`)).body.items).toHaveLength(1);
    await expectEventually(
      async () => expect((await stack.api('GET', `/v1/rooms/${r}/mutes`)).body.items).toEqual([]),
      {
        timeoutMs: 5000,
        intervalMs: 250,
      },
    );
    // Dropped from the gateways' copy too.
    expect(await stack.redis.hlen(sharedRedisKeys.roomMutes(r))).toBe(0);
  });

  it('bans site-wide (admins only), with user.site-banned / user.unbanned on the reserved room _site', async () => {
    const who = `site-troll-${randomBytes(3).toString('hex')}`;
    const ban = await stack.api('POST', '/v1/bans', {
      body: { userId: who, reason: 'abuse', durationSec: 3600 },
    });
    expect(ban.status).toBe(201);
    expect(ban.body).toMatchObject({
      userId: who,
      roomId: null,
      until: ban.body.createdAt + 3_600_000,
      reason: 'abuse',
    });
    expect((await stack.api('GET', '/v1/bans')).body.items).toContainEqual(ban.body);
    expect(await stack.redis.hget(sharedRedisKeys.siteBans(), who)).toBe(
      JSON.stringify({ until: ban.body.until }),
    );
    expect((await stack.api('DELETE', `/v1/bans/${who}`)).status).toBe(204);
    expect((await stack.api('DELETE', `/v1/bans/${who}`)).status).toBe(404);
    expect(await stack.redis.hget(sharedRedisKeys.siteBans(), who)).toBeNull();
    await expectEventually(() =>
      expect(stack.roomEvents.seen.filter((e) => 'userId' in e && e.userId === who)).toEqual([
        {
          type: 'user.site-banned',
          roomId: '_site',
          userId: who,
          until: ban.body.until,
          reason: 'abuse',
          at: ban.body.createdAt,
        },
        { type: 'user.unbanned', roomId: '_site', userId: who, at: expect.any(Number) },
      ]),
    );
  });

  it('answers 400 for bad ban and mute bodies', async () => {
    const r = room();
    const cases: [string, unknown][] = [
      [`/v1/rooms/${r}/bans`, {}],
      [`/v1/rooms/${r}/bans`, { userId: 'x', durationSec: 0 }],
      [`/v1/rooms/${r}/bans`, { userId: 'x', durationSec: 1.5 }],
      [`/v1/rooms/${r}/bans`, { userId: '' }],
      [`/v1/rooms/${r}/mutes`, { userId: 'x' }],
      [`/v1/rooms/${r}/mutes`, { userId: 'x', durationSec: 60, reason: 'r'.repeat(501) }],
      ['/v1/bans', { userId: 'x', durationSec: -5 }],
    ];
    for (const [path, body] of cases) {
      const res = await stack.api('POST', path, { body });
      expect({ path, body, status: res.status, code: res.body.error?.code }).toEqual({
        path,
        body,
        status: 400,
        code: 'INVALID_PAYLOAD',
      });
    }
  });

  it('retracts a danmaku with 202 and a danmaku.retracted event', async () => {
    const r = room();
    const res = await stack.api('DELETE', `/v1/rooms/${r}/danmaku/msg-1`, { body: { reason: 'off-topic' } });
    expect(res.status).toBe(202);
    const noBody = await stack.api('DELETE', `/v1/rooms/${r}/danmaku/msg-2`);
    expect(noBody.status).toBe(202);
    await expectEventually(() =>
      expect(eventsOf(r)).toEqual([
        {
          type: 'danmaku.retracted',
          roomId: r,
          ids: ['msg-1'],
          actorId: stack.admin.userId,
          reason: 'off-topic',
          at: expect.any(Number),
        },
        {
          type: 'danmaku.retracted',
          roomId: r,
          ids: ['msg-2'],
          actorId: stack.admin.userId,
          reason: null,
          at: expect.any(Number),
        },
      ]),
    );
  });
});

describe('audit log', () => {
  it('records every action, newest first, and pages with a stable cursor', async () => {
    const r = room();
    await stack.api('PATCH', `/v1/rooms/${r}/settings`, { body: { closed: true } });
    await stack.api('PUT', `/v1/rooms/${r}/moderators/${moderator.userId}`);
    const term = await stack.api('POST', `/v1/rooms/${r}/blocked-terms`, {
      token: moderator.token,
      body: { term: 'foo' },
    });
    await stack.api('DELETE', `/v1/rooms/${r}/blocked-terms/${term.body.termId}`);
    const s = await stack.api('POST', `/v1/rooms/${r}/sessions`);
    await stack.api('POST', `/v1/rooms/${r}/sessions/current/end`);
    await stack.api('POST', `/v1/rooms/${r}/bans`, { body: { userId: 'b1', reason: 'rude' } });
    await stack.api('DELETE', `/v1/rooms/${r}/bans/b1`);
    await stack.api('POST', `/v1/rooms/${r}/mutes`, { body: { userId: 'm1', durationSec: 60 } });
    await stack.api('DELETE', `/v1/rooms/${r}/mutes/m1`);
    await stack.api('DELETE', `/v1/rooms/${r}/danmaku/d1`, { body: { reason: 'spoiler' } });
    await stack.api('DELETE', `/v1/rooms/${r}/moderators/${moderator.userId}`);
    // Failed actions are not recorded.
    await stack.api('POST', `/v1/rooms/${r}/sessions/current/end`);

    const expected = [
      ['moderator.remove', moderator.userId],
      ['danmaku.retract', 'd1'],
      ['mute.remove', 'm1'],
      ['mute.add', 'm1'],
      ['ban.remove', 'b1'],
      ['ban.add', 'b1'],
      ['session.end', s.body.sessionId],
      ['session.start', s.body.sessionId],
      ['term.remove', term.body.termId],
      ['term.add', term.body.termId],
      ['moderator.add', moderator.userId],
      ['settings.update', r],
    ];
    const all = await stack.api('GET', `/v1/rooms/${r}/audit-log?limit=200`);
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.items.map((e: { action: string; target: string }) => [e.action, e.target])).toEqual(
      expected,
    );
    const termAdd = all.body.items[9];
    expect(termAdd).toEqual({
      id: expect.any(String),
      at: expect.any(Number),
      actorId: moderator.userId,
      action: 'term.add',
      target: term.body.termId,
      reason: null,
      details: { term: 'foo' },
    });
    expect(all.body.items[5]).toMatchObject({ action: 'ban.add', reason: 'rude', details: { until: null } });

    // Page by 5; a new action between pages neither shifts nor repeats entries.
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await stack.api(
        'GET',
        `/v1/rooms/${r}/audit-log?limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(5);
      ids.push(...page.body.items.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
      if (pages++ === 0) await stack.api('DELETE', `/v1/rooms/${r}/danmaku/d2`);
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(ids).toEqual(all.body.items.map((e: { id: string }) => e.id));
    const fresh = await stack.api('GET', `/v1/rooms/${r}/audit-log?limit=1`);
    expect(fresh.body.items[0]).toMatchObject({ action: 'danmaku.retract', target: 'd2' });
    expect(fresh.body.nextCursor).toEqual(expect.any(String));
  });

  it('keeps site-wide actions in the _site log, for admins', async () => {
    const word = `auditsite${randomBytes(3).toString('hex')}`;
    const add = await stack.api('POST', '/v1/blocked-terms', { body: { term: word } });
    await stack.api('POST', '/v1/bans', { body: { userId: 'site-audit-user', durationSec: 60 } });
    const log = await stack.api('GET', '/v1/rooms/_site/audit-log?limit=2');
    expect(log.status).toBe(200);
    expect(log.body.items.map((e: { action: string; target: string }) => [e.action, e.target])).toEqual([
      ['ban.add', 'site-audit-user'],
      ['term.add', add.body.termId],
    ]);
  });

  it('answers 400 for bad paging parameters', async () => {
    for (const q of ['limit=0', 'limit=201', 'limit=abc', 'cursor=abc', 'cursor=-1']) {
      const res = await stack.api('GET', `/v1/rooms/${modRoom}/audit-log?${q}`);
      expect({ q, status: res.status, code: res.body.error?.code }).toEqual({
        q,
        status: 400,
        code: 'INVALID_PAYLOAD',
      });
    }
  });
});

describe('operations', () => {
  it('serves healthz, readyz with every check, and metrics', async () => {
    expect((await httpJson('GET', `${stack.url}/healthz`)).body).toEqual({ status: 'ok' });
    const ready = await httpJson('GET', `${stack.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({
      redis: true,
      'kafka-broker': true,
      'kafka-producer': true,
      'kafka:moderation.decide': true,
    });
    const metrics = await fetch(`${stack.metricsUrl}/metrics`).then((r) => r.text());
    expect(metrics).toContain('moderation_decisions_total');
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  it('answers unknown routes with the contract error body', async () => {
    const res = await stack.api('GET', '/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('OpenAPI document', () => {
  /** Every route of the contract (CONTRACT.md, moderation section), in OpenAPI's path syntax. */
  const CONTRACT_ROUTES = [
    'GET /v1/rooms/{roomId}',
    'PATCH /v1/rooms/{roomId}/settings',
    'POST /v1/rooms/{roomId}/sessions',
    'POST /v1/rooms/{roomId}/sessions/current/end',
    'PUT /v1/rooms/{roomId}/moderators/{userId}',
    'DELETE /v1/rooms/{roomId}/moderators/{userId}',
    'POST /v1/rooms/{roomId}/bans',
    'GET /v1/rooms/{roomId}/bans',
    'DELETE /v1/rooms/{roomId}/bans/{userId}',
    'POST /v1/rooms/{roomId}/mutes',
    'GET /v1/rooms/{roomId}/mutes',
    'DELETE /v1/rooms/{roomId}/mutes/{userId}',
    'POST /v1/bans',
    'GET /v1/bans',
    'DELETE /v1/bans/{userId}',
    'POST /v1/rooms/{roomId}/blocked-terms',
    'GET /v1/rooms/{roomId}/blocked-terms',
    'DELETE /v1/rooms/{roomId}/blocked-terms/{termId}',
    'POST /v1/blocked-terms',
    'GET /v1/blocked-terms',
    'DELETE /v1/blocked-terms/{termId}',
    'DELETE /v1/rooms/{roomId}/danmaku/{id}',
    'GET /v1/rooms/{roomId}/audit-log',
  ];

  it('serves a browsable UI at /docs', async () => {
    const res = await fetch(`${stack.url}/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger-ui');
  });

  it('lists exactly the contract routes at /docs-json, each with Bearer auth and the contract error body', async () => {
    const doc = await httpJson('GET', `${stack.url}/docs-json`);
    expect(doc.status).toBe(200);
    const paths = doc.body.paths as Record<string, Record<string, any>>;
    const listed = Object.entries(paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual([...CONTRACT_ROUTES].sort());
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const error = { $ref: '#/components/schemas/Error' };
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect({ where, security: op.security }).toEqual({ where, security: [{ bearer: [] }] });
        for (const status of ['400', '401', '403']) {
          expect({ where, status, schema: op.responses[status]?.content['application/json'].schema }).toEqual(
            { where, status, schema: error },
          );
        }
        const params = (path.match(/\{(\w+)\}/g) ?? []).map((p) => p.slice(1, -1));
        expect({
          where,
          params: op.parameters.filter((p: any) => p.in === 'path').map((p: any) => p.name),
        }).toEqual({ where, params });
      }
    }
    expect(doc.body.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
  });

  it('describes answers with the shapes the API really sends', async () => {
    const doc = (await httpJson('GET', `${stack.url}/docs-json`)).body;
    const schemaOf = (method: string, path: string, status: string) =>
      doc.paths[path][method].responses[status].content?.['application/json'].schema.$ref.split('/').pop();
    expect(schemaOf('post', '/v1/rooms/{roomId}/bans', '201')).toBe('Sanction');
    expect(schemaOf('get', '/v1/rooms/{roomId}', '200')).toBe('RoomView');
    expect(schemaOf('get', '/v1/rooms/{roomId}/audit-log', '200')).toBe('AuditPage');
    // A real answer has exactly the documented fields.
    const r = room();
    const ban = await stack.api('POST', `/v1/rooms/${r}/bans`, { body: { userId: 'docs-user' } });
    expect(Object.keys(ban.body).sort()).toEqual(
      Object.keys(doc.components.schemas.Sanction.properties).sort(),
    );
    const view = await stack.api('GET', `/v1/rooms/${r}`);
    expect(Object.keys(view.body).sort()).toEqual(
      Object.keys(doc.components.schemas.RoomView.properties).sort(),
    );
    expect(doc.components.schemas.BanBody.required).toEqual(['userId']);
  });
});
