import { randomBytes } from 'node:crypto';
import { sharedRedisKeys } from '@danmaku/contracts';
import { expectEventually } from '@danmaku/testing';
import { ModerationStack } from './support/moderation-stack';

jest.setTimeout(60_000);

const FLOOD_MAX = 6;
const stack = new ModerationStack({
  MODERATION_FLOOD_MAX: String(FLOOD_MAX),
  MODERATION_FLOOD_WINDOW_MS: '60000',
});
const room = (p = 'r') => `${p}-${randomBytes(4).toString('hex')}`;

beforeAll(() => stack.start(), 120_000);
afterAll(() => stack.stop(), 60_000);

describe('decision pipeline (real Kafka, Redis, auth and moderation processes)', () => {
  it('accepts messages with contiguous seq per room, in submission order', async () => {
    const rooms = [room(), room(), room()];
    const subs = Array.from({ length: 45 }, (_, i) => stack.submission(rooms[i % 3], `message ${i}`));
    // Several publish calls so the pipeline sees several batches.
    for (let i = 0; i < subs.length; i += 10) await stack.submit(...subs.slice(i, i + 10));
    const decided = await stack.decided(subs);
    expect(decided.every((d) => d.accepted.length >= 1 && d.rejected.length === 0)).toBe(true);
    for (const r of rooms) {
      const mine = subs.filter((s) => s.roomId === r);
      const seqs = mine.map((s) => stack.accepted.seen.find((a) => a.danmaku.id === s.id)?.danmaku.seq);
      expect(seqs).toEqual(mine.map((_, i) => i + 1));
    }
    const first = stack.accepted.seen.find((a) => a.danmaku.id === subs[0].id);
    expect(first).toEqual({
      danmaku: {
        id: subs[0].id,
        roomId: subs[0].roomId,
        seq: 1,
        userId: subs[0].userId,
        nickname: 'Viewer',
        text: 'message 0',
        mode: 'scroll',
        color: '#ffffff',
        size: 'medium',
        sentAt: subs[0].sentAt,
        sessionId: null,
        offsetMs: null,
      },
      origin: subs[0].origin,
      nonce: subs[0].nonce,
      epoch: expect.any(String),
      decidedAt: expect.any(Number),
    });
    // One epoch per room's stream: every accepted danmaku of the room carries the same one.
    const epochs = new Set(
      stack.accepted.seen.filter((x) => x.danmaku.roomId === subs[0].roomId).map((x) => x.epoch),
    );
    expect(epochs.size).toBe(1);
    // Each room's recent buffer holds exactly what was published, by seq, with its last seq
    // (the decision script appends them as it assigns the seqs).
    for (const r of rooms) {
      const published = stack.accepted.seen.filter((a) => a.danmaku.roomId === r).map((a) => a.danmaku);
      const buffered = await stack.redis.zrange(sharedRedisKeys.roomRecent(r), 0, -1, 'WITHSCORES');
      const members = buffered.filter((_, i) => i % 2 === 0).map((m) => JSON.parse(m) as unknown);
      expect(members).toEqual(published.sort((x, y) => x.seq - y.seq));
      expect(buffered.filter((_, i) => i % 2 === 1).map(Number)).toEqual(published.map((d) => d.seq));
      expect(await stack.redis.get(sharedRedisKeys.roomLastSeq(r))).toBe(String(published.length));
      expect(await stack.redis.ttl(sharedRedisKeys.roomRecent(r))).toBeGreaterThan(0);
    }
  });

  it('gives a redelivered submission the same id and seq, and the next message the next seq', async () => {
    const r = room();
    const a = stack.submission(r, 'once');
    await stack.submit(a);
    await stack.decided([a]);
    await stack.submit(a); // redelivered in another batch
    const b = stack.submission(r, 'after');
    await stack.submit(a, b); // and once more, in the same batch as a new message
    await stack.decided([b]);
    const forA = stack.accepted.seen.filter((x) => x.danmaku.id === a.id);
    expect(forA.length).toBeGreaterThanOrEqual(2);
    expect(new Set(forA.map((x) => JSON.stringify(x))).size).toBe(1); // identical, decidedAt included
    expect(forA[0].danmaku.seq).toBe(1);
    expect(stack.accepted.seen.find((x) => x.danmaku.id === b.id)?.danmaku.seq).toBe(2);
    // Two submissions in effect: every copy of `a` says seq 1, nothing else took a seq.
    const roomSeqs = stack.accepted.seen.filter((x) => x.danmaku.roomId === r).map((x) => x.danmaku.seq);
    expect(roomSeqs.sort((x, y) => x - y)).toEqual([...forA.map(() => 1), 2]);
    // Redeliveries never put a seq in the recent buffer twice.
    const buffered = await stack.redis.zrange(sharedRedisKeys.roomRecent(r), 0, -1);
    expect(buffered.map((m) => (JSON.parse(m) as { seq: number }).seq)).toEqual([1, 2]);
  });

  it('rejects room and site-wide blocked terms with BLOCKED_TERM, and applies term changes to the next message', async () => {
    const r = room();
    const roomTerm = await stack.api('POST', `/v1/rooms/${r}/blocked-terms`, { body: { term: 'Spoiler' } });
    expect(roomTerm.status).toBe(201);
    const siteWord = `sitebad${randomBytes(3).toString('hex')}`;
    const siteTerm = await stack.api('POST', '/v1/blocked-terms', { body: { term: siteWord } });
    expect(siteTerm.status).toBe(201);

    const subs = [
      stack.submission(r, 'huge SPOILER here'),
      stack.submission(r, `you are ${siteWord.toUpperCase()}`),
      stack.submission(r, 'fullwidth ｓｐｏｉｌｅｒ'),
      stack.submission(room(), 'Spoiler is fine in another room'),
      stack.submission(r, 'clean'),
    ];
    await stack.submit(...subs);
    const d = await stack.decided(subs);
    expect(d.map((x) => x.rejected[0]?.code ?? 'accepted')).toEqual([
      'BLOCKED_TERM',
      'BLOCKED_TERM',
      'BLOCKED_TERM',
      'accepted',
      'accepted',
    ]);
    expect(d[0].rejected[0]).toEqual({
      id: subs[0].id,
      roomId: r,
      userId: subs[0].userId,
      nonce: subs[0].nonce,
      code: 'BLOCKED_TERM',
      reason: expect.any(String),
      origin: subs[0].origin,
      decidedAt: expect.any(Number),
    });
    // Only accepted messages take a seq.
    expect(d[4].accepted[0].danmaku.seq).toBe(1);

    expect((await stack.api('DELETE', `/v1/rooms/${r}/blocked-terms/${roomTerm.body.termId}`)).status).toBe(
      204,
    );
    const again = stack.submission(r, 'spoiler allowed now');
    await stack.submit(again);
    expect((await stack.decided([again]))[0].accepted[0].danmaku.seq).toBe(2);
    const added = await stack.api('POST', `/v1/rooms/${r}/blocked-terms`, { body: { term: 'newterm' } });
    expect(added.status).toBe(201);
    const blocked = stack.submission(r, 'a NewTerm right away');
    await stack.submit(blocked);
    expect((await stack.decided([blocked]))[0].rejected[0]?.code).toBe('BLOCKED_TERM');
  });

  it('catches disguised terms and keeps innocent words innocent (the evasion-resistant filter)', async () => {
    const r = room();
    for (const term of ['spoiler', 'ass', '傻逼']) {
      expect((await stack.api('POST', `/v1/rooms/${r}/blocked-terms`, { body: { term } })).status).toBe(201);
    }
    const texts: [string, string][] = [
      ['ＳＰＯＩＬＥＲ alert', 'BLOCKED_TERM'],
      ['s.p.o.i.l.e.r', 'BLOCKED_TERM'],
      ['ѕрοіlеr', 'BLOCKED_TERM'], // Cyrillic and Greek look-alikes
      ['spo\u200bil\u00ader', 'BLOCKED_TERM'], // zero-width space, soft hyphen
      ['spoooooiler', 'BLOCKED_TERM'],
      ['you a$$', 'BLOCKED_TERM'],
      ['你是傻 逼', 'BLOCKED_TERM'],
      ['a classic assassin in the class', 'accepted'],
      ['Essex, Scunthorpe and a bass', 'accepted'],
    ];
    const subs = texts.map(([text]) => stack.submission(r, text));
    await stack.submit(...subs);
    const d = await stack.decided(subs);
    expect(d.map((x, i) => [texts[i][0], x.rejected[0]?.code ?? 'accepted'])).toEqual(texts);
  });

  it('rejects with ROOM_CLOSED while the room is closed', async () => {
    const r = room();
    expect((await stack.api('PATCH', `/v1/rooms/${r}/settings`, { body: { closed: true } })).status).toBe(
      200,
    );
    const closed = stack.submission(r, 'anyone there?');
    await stack.submit(closed);
    expect((await stack.decided([closed]))[0].rejected[0]).toMatchObject({ code: 'ROOM_CLOSED', roomId: r });
    expect((await stack.api('PATCH', `/v1/rooms/${r}/settings`, { body: { closed: false } })).status).toBe(
      200,
    );
    const open = stack.submission(r, 'open again');
    await stack.submit(open);
    expect((await stack.decided([open]))[0].accepted[0].danmaku.seq).toBe(1);
  });

  it('enforces the length bounds itself: a maxLength lowered after the gateway checked, bytes and marks', async () => {
    const r = room();
    expect((await stack.api('PATCH', `/v1/rooms/${r}/settings`, { body: { maxLength: 5 } })).status).toBe(
      200,
    );
    const long = stack.submission(r, '弹幕弹幕弹幕');
    const fits = stack.submission(r, '👍🏽👍🏽👍🏽👍🏽👍🏽');
    const zalgo = stack.submission(r, 'Z' + '\u0351'.repeat(7));
    await stack.submit(long, fits, zalgo);
    const d = await stack.decided([long, fits, zalgo]);
    expect(d[0].rejected[0]).toMatchObject({
      code: 'TOO_LONG',
      roomId: r,
      reason: 'Text is 6 characters; the room allows 5',
    });
    expect(d[1].accepted[0].danmaku).toMatchObject({ seq: 1, text: '👍🏽👍🏽👍🏽👍🏽👍🏽' });
    expect(d[2].rejected[0]?.code).toBe('TOO_MANY_MARKS');
  });

  it('stamps sessionId and offsetMs from the session live at sentAt', async () => {
    const r = room();
    const before = stack.submission(r, 'before the show', { sentAt: Date.now() - 60_000 });
    const started = await stack.api('POST', `/v1/rooms/${r}/sessions`);
    expect(started.status).toBe(201);
    const { sessionId, startedAt } = started.body;
    const during = stack.submission(r, 'during the show', { sentAt: startedAt + 1234 });
    await stack.submit(before, during);
    const [b, d] = await stack.decided([before, during]);
    expect(b.accepted[0].danmaku).toMatchObject({ sessionId: null, offsetMs: null });
    expect(d.accepted[0].danmaku).toMatchObject({ sessionId, offsetMs: 1234 });

    // A message sent during the session but decided after it ended keeps the session.
    const ended = await stack.api('POST', `/v1/rooms/${r}/sessions/current/end`);
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ sessionId, startedAt, endedAt: expect.any(Number) });
    expect(ended.body.endedAt).toBeGreaterThan(startedAt + 1);
    const lateOffset = Math.floor((ended.body.endedAt - startedAt) / 2);
    const late = stack.submission(r, 'queued at the very end', { sentAt: startedAt + lateOffset });
    const after = stack.submission(r, 'after the show', { sentAt: ended.body.endedAt + 1 });
    await stack.submit(late, after);
    const [l, a] = await stack.decided([late, after]);
    expect(l.accepted[0].danmaku).toMatchObject({ sessionId, offsetMs: lateOffset });
    expect(a.accepted[0].danmaku).toMatchObject({ sessionId: null, offsetMs: null });
  });

  it('rejects banned and muted senders (room and site-wide) until the sanction is lifted', async () => {
    const r = room();
    const banned = stack.submission(r, 'hi');
    const muted = stack.submission(r, 'hi');
    const siteBanned = stack.submission(room(), 'hi');
    expect((await stack.api('POST', `/v1/rooms/${r}/bans`, { body: { userId: banned.userId } })).status).toBe(
      201,
    );
    expect(
      (await stack.api('POST', `/v1/rooms/${r}/mutes`, { body: { userId: muted.userId, durationSec: 600 } }))
        .status,
    ).toBe(201);
    expect(
      (await stack.api('POST', '/v1/bans', { body: { userId: siteBanned.userId, durationSec: 600 } })).status,
    ).toBe(201);
    await stack.submit(banned, muted, siteBanned);
    const d = await stack.decided([banned, muted, siteBanned]);
    expect(d.map((x) => x.rejected[0]?.code)).toEqual(['BANNED', 'MUTED', 'BANNED']);

    expect((await stack.api('DELETE', `/v1/rooms/${r}/bans/${banned.userId}`)).status).toBe(204);
    const again = stack.submission(r, 'back', { userId: banned.userId });
    await stack.submit(again);
    expect((await stack.decided([again]))[0].accepted).toHaveLength(1);
  });

  it('applies slow mode, uniqueChat and flood control per user', async () => {
    const r = room();
    expect(
      (await stack.api('PATCH', `/v1/rooms/${r}/settings`, { body: { slowModeSec: 10, uniqueChat: true } }))
        .status,
    ).toBe(200);
    const t0 = Date.now();
    const user = 'slow-user';
    const first = stack.submission(r, 'one', { userId: user, sentAt: t0 });
    const tooSoon = stack.submission(r, 'two', { userId: user, sentAt: t0 + 3000 });
    const other = stack.submission(r, 'one', { userId: 'someone-else', sentAt: t0 + 3000 });
    const later = stack.submission(r, 'three', { userId: user, sentAt: t0 + 10_000 });
    const dup = stack.submission(r, 'THREE', { userId: user, sentAt: t0 + 25_000 });
    await stack.submit(first, tooSoon, other, later, dup);
    const d = await stack.decided([first, tooSoon, other, later, dup]);
    expect(d.map((x) => x.rejected[0]?.code ?? x.accepted[0].danmaku.seq)).toEqual([
      1,
      'SLOW_MODE',
      2,
      3,
      'DUPLICATE',
    ]);

    const floodRoom = room();
    const burst = Array.from({ length: FLOOD_MAX + 2 }, (_, i) =>
      stack.submission(floodRoom, `burst ${i}`, { userId: 'flooder', sentAt: t0 + i }),
    );
    await stack.submit(...burst);
    const fd = await stack.decided(burst);
    const codes = fd.map((x) => x.rejected[0]?.code ?? 'accepted');
    expect(codes).toEqual([...Array(FLOOD_MAX).fill('accepted'), 'FLOOD', 'FLOOD']);
  });

  it('keeps the shared settings key and the decisions in Redis where other apps expect them', async () => {
    const r = room();
    await stack.api('PATCH', `/v1/rooms/${r}/settings`, { body: { maxLength: 42 } });
    expect(JSON.parse((await stack.redis.get(sharedRedisKeys.roomSettings(r))) ?? 'null')).toEqual({
      slowModeSec: 0,
      maxLength: 42,
      closed: false,
      uniqueChat: false,
    });
    const s = stack.submission(r, 'stored');
    await stack.submit(s);
    await stack.decided([s]);
    const ttl = await stack.redis.ttl(`mod:decision:${s.id}`);
    expect(ttl).toBeGreaterThan(6 * 24 * 3600);
    await expectEventually(async () => {
      const metrics = await fetch(`${stack.metricsUrl}/metrics`).then((res) => res.text());
      expect(metrics).toMatch(/moderation_decisions_total\{[^}]*outcome="accepted"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/moderation_decisions_total\{[^}]*code="BLOCKED_TERM"[^}]*\} [1-9]/);
      expect(metrics).toMatch(
        /kafka_consumer_lag\{group="[^"]*moderation\.decide",topic="[^"]*danmaku\.submitted\.v1",partition="\d+"/,
      );
      expect(metrics).toMatch(/moderation_decision_batch_duration_seconds_count\{[^}]*\} [1-9]/);
    });
  });

  it('loses no seq and repeats none when moderation crashes mid-stream', async () => {
    const rooms = [room('crash'), room('crash')];
    const subs = Array.from({ length: 300 }, (_, i) => stack.submission(rooms[i % 2], `m${i}`));
    const producing = (async () => {
      for (let i = 0; i < subs.length; i += 10) await stack.submit(...subs.slice(i, i + 10));
    })();
    // Crash once some (not all) have been decided.
    await expectEventually(() =>
      expect(stack.accepted.seen.filter((a) => rooms.includes(a.danmaku.roomId)).length).toBeGreaterThan(20),
    );
    await stack.crashAndRestartModeration();
    await producing;
    await stack.decided(subs, 60_000);
    for (const r of rooms) {
      const seqById = new Map<string, Set<number>>();
      for (const a of stack.accepted.seen.filter((x) => x.danmaku.roomId === r)) {
        seqById.set(a.danmaku.id, (seqById.get(a.danmaku.id) ?? new Set()).add(a.danmaku.seq));
      }
      // Each message kept one seq across redeliveries; together they are exactly 1..n in submission order.
      expect([...seqById.values()].every((set) => set.size === 1)).toBe(true);
      const inOrder = subs.filter((s) => s.roomId === r).map((s) => [...(seqById.get(s.id) ?? [])][0]);
      expect(inOrder).toEqual(inOrder.map((_, i) => i + 1));
    }
  }, 120_000);
});
