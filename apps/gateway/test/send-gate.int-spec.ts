import type Redis from 'ioredis';
import { sharedRedisKeys } from '@danmaku/contracts';
import { createRedisClient } from '@danmaku/platform';
import { dropNamespace, testInfra, uniqueId } from '@danmaku/testing';
import { NonceRepository } from '../src/danmaku/nonce.repository';
import { SendGateRepository } from '../src/danmaku/send-gate.repository';

/** The send path's single round trip against a real Redis, in a namespace of its own. */
describe('SendGateRepository (real Redis)', () => {
  const namespace = uniqueId('it-send-gate').toLowerCase();
  let redis: Redis;
  let gate: SendGateRepository;
  let nonces: NonceRepository;

  beforeAll(() => {
    redis = createRedisClient({ url: testInfra().redisUrl, namespace, name: 'send-gate-it' });
    gate = new SendGateRepository(redis, { GATEWAY_SEND_RATE_LIMIT: 3, GATEWAY_SEND_RATE_WINDOW_SEC: 2 });
    nonces = new NonceRepository(redis);
  });

  afterAll(async () => {
    redis.disconnect();
    await dropNamespace(namespace);
  });

  it('counts sends in a fixed window shared by every caller and says when it ends', async () => {
    const user = uniqueId('u');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await gate.check('room', user, null));
    expect(answers.slice(0, 3).map((a) => a.rateLimitedForMs)).toEqual([null, null, null]);
    expect(answers[3].rateLimitedForMs).toBeGreaterThan(0);
    expect(answers[3].rateLimitedForMs).toBeLessThanOrEqual(2000);
    expect(await redis.pttl(`gw:send-rate:${user}`)).toBeGreaterThan(0);
  });

  it('reads bans and mutes in force, and ignores expired ones', async () => {
    const user = uniqueId('u');
    const now = Date.now();
    await redis.hset(sharedRedisKeys.roomMutes('r1'), user, JSON.stringify({ until: now + 60_000 }));
    await redis.hset(sharedRedisKeys.roomBans('r1'), user, JSON.stringify({ until: now - 1 }));
    const gated = await gate.check('r1', user, null, now);
    expect(gated.sanctions).toEqual({ mutedUntil: now + 60_000 });
    await redis.hset(sharedRedisKeys.siteBans(), user, JSON.stringify({ until: null }));
    expect((await gate.check('r1', user, null, now)).sanctions).toMatchObject({ bannedUntil: null });
  });

  it('claims a nonce as pending, reports it to a resend, and answers queued once marked', async () => {
    const user = uniqueId('u');
    expect((await gate.check('r', user, { nonce: 'n', id: 'id-1' })).nonce).toEqual({ claimed: true });
    expect((await gate.check('r', user, { nonce: 'n', id: 'id-2' })).nonce).toEqual({
      claimed: false,
      state: 'pending',
      id: 'id-1',
    });
    await nonces.markQueued(user, 'n', 'id-1');
    expect((await gate.check('r', user, { nonce: 'n', id: 'id-3' })).nonce).toEqual({
      claimed: false,
      state: 'queued',
      id: 'id-1',
    });
    // A failed attempt frees the nonce, only its own.
    await nonces.release(user, 'n', 'id-3');
    expect(await nonces.claim(user, 'n', 'id-4')).toEqual({ claimed: false, state: 'queued', id: 'id-1' });
  });
});
