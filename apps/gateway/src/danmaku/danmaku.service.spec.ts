import { DEFAULT_ROOM_SETTINGS, type DanmakuSubmitted, type Principal, type RoomSettings } from '@danmaku/contracts';
import { DomainException, MetricsService } from '@danmaku/platform';
import type { RoomStateRepository } from '../room/room-state.repository';
import type { SanctionsRepository, UserSanctions } from '../room/sanctions.repository';
import { DanmakuService, type Sender } from './danmaku.service';
import type { NonceRepository } from './nonce.repository';
import type { SendRateLimiter } from './send-rate.limiter';
import type { SubmissionPublisher } from './submission.publisher';

const user: Principal = { userId: 'u1', nickname: 'Ann', role: 'user', sessionId: 's1', expiresAt: Date.now() + 60_000 };

function setup(opts: { settings?: Partial<RoomSettings>; available?: boolean; publishFails?: boolean; sanctions?: UserSanctions } = {}) {
  const published: DanmakuSubmitted[] = [];
  const nonces = new Map<string, string>();
  const released: string[] = [];
  const rooms = { settings: async () => ({ ...DEFAULT_ROOM_SETTINGS, ...opts.settings }) } as unknown as RoomStateRepository;
  const nonceRepo = {
    claim: async (_u: string, n: string, id: string) => {
      const had = nonces.get(n);
      if (had) return { claimed: false, id: had };
      nonces.set(n, id);
      return { claimed: true };
    },
    release: async (_u: string, n: string) => {
      released.push(n);
      nonces.delete(n);
    },
  } as unknown as NonceRepository;
  const rate = { consume: async () => undefined } as unknown as SendRateLimiter;
  const publisher = {
    available: opts.available ?? true,
    publish: async (s: DanmakuSubmitted) => {
      if (opts.publishFails) throw new Error('broker down');
      published.push(s);
    },
  } as unknown as SubmissionPublisher;
  const sanctions = { of: async () => opts.sanctions ?? {} } as unknown as SanctionsRepository;
  const svc = new DanmakuService(rooms, sanctions, nonceRepo, rate, publisher, { app: 'gateway', instanceId: 'gw-test' }, new MetricsService());
  return { svc, published, released };
}

const sender = (over: Partial<Sender> = {}): Sender => ({ principal: user, socketId: 'sock1', joined: true, ...over });
const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e: DomainException) => e.code);

describe('DanmakuService.send', () => {
  it('queues a submission with defaults and its origin, and answers its id', async () => {
    const { svc, published } = setup();
    const ack = await svc.send(sender(), { roomId: 'r1', text: 'hi' });
    expect(published).toEqual([
      expect.objectContaining({
        id: ack.id,
        roomId: 'r1',
        userId: 'u1',
        nickname: 'Ann',
        text: 'hi',
        mode: 'scroll',
        color: '#ffffff',
        size: 'medium',
        origin: { instanceId: 'gw-test', socketId: 'sock1' },
      }),
    ]);
  });

  it('refuses guests, senders outside the room, closed rooms and long text', async () => {
    expect(await codeOf(setup().svc.send(sender({ principal: { ...user, role: 'guest' } }), { roomId: 'r', text: 'x' }))).toBe('FORBIDDEN');
    expect(await codeOf(setup().svc.send(sender({ joined: false }), { roomId: 'r', text: 'x' }))).toBe('ROOM_NOT_JOINED');
    expect(await codeOf(setup({ settings: { closed: true } }).svc.send(sender(), { roomId: 'r', text: 'x' }))).toBe('ROOM_CLOSED');
    expect(await codeOf(setup({ settings: { maxLength: 3 } }).svc.send(sender(), { roomId: 'r', text: 'abcd' }))).toBe('TOO_LONG');
    expect(await codeOf(setup({ settings: { maxLength: 3 } }).svc.send(sender(), { roomId: 'r', text: '👨‍👩‍👧👍🏽a' }))).toBe('ok');
  });

  it('refuses banned and muted senders early, with until', async () => {
    const banned = setup({ sanctions: { bannedUntil: null } }).svc.send(sender(), { roomId: 'r', text: 'x' });
    await expect(banned).rejects.toMatchObject({ code: 'BANNED', details: { until: null } });
    const until = Date.now() + 60_000;
    const muted = setup({ sanctions: { mutedUntil: until } }).svc.send(sender(), { roomId: 'r', text: 'x' });
    await expect(muted).rejects.toMatchObject({ code: 'MUTED', details: { until }, retryAfterMs: expect.any(Number) });
  });

  it('answers a nonce resend with the first id and publishes once', async () => {
    const { svc, published } = setup();
    const a = await svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n1' });
    const b = await svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n1' });
    expect(b.id).toBe(a.id);
    expect(published).toHaveLength(1);
  });

  it('is UNAVAILABLE, frees the nonce and queues nothing when Kafka fails', async () => {
    const { svc, published, released } = setup({ publishFails: true });
    expect(await codeOf(svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n2' }))).toBe('UNAVAILABLE');
    expect(released).toEqual(['n2']);
    expect(published).toEqual([]);
    expect(await codeOf(setup({ available: false }).svc.send(sender(), { roomId: 'r', text: 'x' }))).toBe('UNAVAILABLE');
  });
});
