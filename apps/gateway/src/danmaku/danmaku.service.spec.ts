import {
  DEFAULT_ROOM_SETTINGS,
  type DanmakuSubmitted,
  type Principal,
  type RoomSettings,
} from '@danmaku/contracts';
import { DomainException, MetricsService } from '@danmaku/platform';
import type { RoomStateRepository } from '../room/room-state.repository';
import type { UserSanctions } from '../room/sanctions.repository';
import { DanmakuService, type Sender } from './danmaku.service';
import type { NonceClaim, NonceRepository } from './nonce.repository';
import type { SendGateRepository } from './send-gate.repository';
import type { SubmissionPublisher } from './submission.publisher';

const user: Principal = {
  userId: 'u1',
  nickname: 'Ann',
  role: 'user',
  sessionId: 's1',
  expiresAt: Date.now() + 60_000,
};

interface SetupOptions {
  settings?: Partial<RoomSettings>;
  available?: boolean;
  publishFails?: boolean;
  sanctions?: UserSanctions;
  /** Each publish waits for this before it settles (a stalled broker). */
  publishGate?: Promise<void>;
  nonceWaitMs?: number;
  sendTimeoutMs?: number;
  /** The gate's answer for the send rate. */
  rateLimitedForMs?: number;
}

function setup(opts: SetupOptions = {}) {
  const published: DanmakuSubmitted[] = [];
  const nonces = new Map<string, string>();
  const released: string[] = [];
  const rooms = {
    settings: async () => ({ ...DEFAULT_ROOM_SETTINGS, ...opts.settings }),
  } as unknown as RoomStateRepository;
  const claim = async (_u: string, n: string, id: string): Promise<NonceClaim> => {
    const had = nonces.get(n);
    if (had) return { claimed: false, state: had.startsWith('p:') ? 'pending' : 'queued', id: had.slice(2) };
    nonces.set(n, `p:${id}`);
    return { claimed: true };
  };
  const nonceRepo = {
    claim,
    markQueued: async (_u: string, n: string, id: string) => {
      if (nonces.get(n) === `p:${id}`) nonces.set(n, `q:${id}`);
    },
    release: async (_u: string, n: string, id: string) => {
      if (nonces.get(n) !== `p:${id}`) return;
      released.push(n);
      nonces.delete(n);
    },
  } as unknown as NonceRepository;
  const gate = {
    check: async (_r: string, u: string, c: { nonce: string; id: string } | null) => ({
      sanctions: opts.sanctions ?? {},
      rateLimitedForMs: opts.rateLimitedForMs ?? null,
      nonce: c ? await claim(u, c.nonce, c.id) : null,
    }),
  } as unknown as SendGateRepository;
  const publisher = {
    available: opts.available ?? true,
    publish: async (s: DanmakuSubmitted) => {
      await opts.publishGate;
      if (opts.publishFails) throw new Error('broker down');
      published.push(s);
    },
  } as unknown as SubmissionPublisher;
  const svc = new DanmakuService(
    rooms,
    gate,
    nonceRepo,
    publisher,
    { app: 'gateway', instanceId: 'gw-test' },
    { GATEWAY_NONCE_WAIT_MS: opts.nonceWaitMs ?? 3000, GATEWAY_SEND_TIMEOUT_MS: opts.sendTimeoutMs ?? 3000 },
    new MetricsService(),
  );
  return { svc, published, released };
}

const sender = (over: Partial<Sender> = {}): Sender => ({
  principal: user,
  socketId: 'sock1',
  joined: true,
  ...over,
});
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: DomainException) => e.code,
  );

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
    expect(
      await codeOf(
        setup().svc.send(sender({ principal: { ...user, role: 'guest' } }), { roomId: 'r', text: 'x' }),
      ),
    ).toBe('FORBIDDEN');
    expect(await codeOf(setup().svc.send(sender({ joined: false }), { roomId: 'r', text: 'x' }))).toBe(
      'ROOM_NOT_JOINED',
    );
    expect(
      await codeOf(setup({ settings: { closed: true } }).svc.send(sender(), { roomId: 'r', text: 'x' })),
    ).toBe('ROOM_CLOSED');
    expect(
      await codeOf(setup({ settings: { maxLength: 3 } }).svc.send(sender(), { roomId: 'r', text: 'abcd' })),
    ).toBe('TOO_LONG');
    expect(
      await codeOf(setup({ settings: { maxLength: 3 } }).svc.send(sender(), { roomId: 'r', text: '👨‍👩‍👧👍🏽a' })),
    ).toBe('ok');
  });

  it('refuses banned and muted senders early, with until', async () => {
    const banned = setup({ sanctions: { bannedUntil: null } }).svc.send(sender(), { roomId: 'r', text: 'x' });
    await expect(banned).rejects.toMatchObject({ code: 'BANNED', details: { until: null } });
    const until = Date.now() + 60_000;
    const muted = setup({ sanctions: { mutedUntil: until } }).svc.send(sender(), { roomId: 'r', text: 'x' });
    await expect(muted).rejects.toMatchObject({
      code: 'MUTED',
      details: { until },
      retryAfterMs: expect.any(Number),
    });
  });

  it('refuses a sender over the rate with retryAfterMs, and frees the nonce it claimed', async () => {
    const { svc, published, released } = setup({ rateLimitedForMs: 1500 });
    await expect(svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n9' })).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterMs: 1500,
    });
    expect(released).toEqual(['n9']);
    expect(published).toEqual([]);
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
    expect(await codeOf(setup({ available: false }).svc.send(sender(), { roomId: 'r', text: 'x' }))).toBe(
      'UNAVAILABLE',
    );
  });

  describe('a resend while the first attempt is still pending', () => {
    function gate() {
      let open!: () => void;
      const promise = new Promise<void>((r) => (open = r));
      return { promise, open };
    }

    it('waits for the first attempt and answers its id only once it is queued', async () => {
      const g = gate();
      const { svc, published } = setup({ publishGate: g.promise });
      const first = svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n3' });
      let resendDone = false;
      const resend = svc
        .send(sender({ socketId: 'sock2' }), { roomId: 'r', text: 'x', nonce: 'n3' })
        .finally(() => (resendDone = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(resendDone).toBe(false);
      g.open();
      const [a, b] = await Promise.all([first, resend]);
      expect(b.id).toBe(a.id);
      expect(published).toHaveLength(1);
    });

    it('queues the resend itself when the first attempt failed', async () => {
      const g = gate();
      let fail = true;
      const base = setup({ publishGate: g.promise });
      const publish = base.svc['publisher'].publish.bind(base.svc['publisher']);
      base.svc['publisher'].publish = async (s: DanmakuSubmitted) => {
        await g.promise;
        if (fail) {
          fail = false;
          throw new Error('broker down');
        }
        return publish(s);
      };
      const first = codeOf(base.svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n4' }));
      const resend = base.svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n4' });
      g.open();
      expect(await first).toBe('UNAVAILABLE');
      const ack = await resend;
      expect(base.published.map((p) => p.id)).toEqual([ack.id]);
    });

    it('answers a retryable UNAVAILABLE, never ok, while the first attempt stays stuck', async () => {
      const g = gate();
      const { svc, published } = setup({ publishGate: g.promise, nonceWaitMs: 100 });
      const first = svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n5' });
      await expect(svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n5' })).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        retryAfterMs: 1000,
      });
      g.open();
      const a = await first;
      expect((await svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n5' })).id).toBe(a.id);
      expect(published).toHaveLength(1);
    });
  });

  it('answers a stalled nonce send UNAVAILABLE (pending) in time; the attempt goes on and a resend gets its id', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const { svc, published } = setup({ publishGate: gate, sendTimeoutMs: 50, nonceWaitMs: 50 });
    await expect(svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n7' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      details: { pending: true },
    });
    open();
    await new Promise((r) => setTimeout(r, 10));
    const again = await svc.send(sender(), { roomId: 'r', text: 'x', nonce: 'n7' });
    expect(published.map((p) => p.id)).toEqual([again.id]);
  });
});
