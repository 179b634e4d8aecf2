import { DomainException, MetricsService } from '@danmaku/platform';
import { AuthMetrics } from '../metrics/auth-metrics.service';
import type { LimitName, LimitVerdict, RateLimitRepository } from '../rate-limits/rate-limit.repository';
import type { SessionsService } from '../sessions/sessions.service';
import type { AccessTokenService, AccessTokenSubject } from '../tokens/access-token.service';
import type { StoredUser } from '../users/user.schema';
import type { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';

const BUDGET: Record<LimitName, number> = {
  loginFailuresByUsername: 3,
  loginFailuresByIp: 5,
  registrationsByIp: 2,
  guestTokensByIp: 3,
};
const WINDOW_MS = 60_000;

/** Counters with the repository's semantics (check: used up? consume: over budget?). */
class FakeLimits {
  counts = new Map<string, number>();
  async check(limit: LimitName, key: string): Promise<LimitVerdict> {
    return (this.counts.get(`${limit}:${key}`) ?? 0) >= BUDGET[limit] ? WINDOW_MS : null;
  }
  async consume(limit: LimitName, key: string): Promise<LimitVerdict> {
    const n = (this.counts.get(`${limit}:${key}`) ?? 0) + 1;
    this.counts.set(`${limit}:${key}`, n);
    return n > BUDGET[limit] ? WINDOW_MS : null;
  }
  async reset(limit: LimitName, key: string): Promise<void> {
    this.counts.delete(`${limit}:${key}`);
  }
}

const alice: StoredUser = {
  userId: 'u-alice',
  username: 'Alice',
  nickname: 'Ally',
  role: 'user',
  passwordHash: 'x',
  createdAt: 1,
};

function setup() {
  const users = {
    authenticate: jest.fn(async (name: string, password: string) =>
      name.toLowerCase() === 'alice' && password === 'right-password' ? alice : null,
    ),
    create: jest.fn(async (a: { username: string; nickname?: string }) => ({
      userId: 'u-new',
      username: a.username,
      nickname: a.nickname ?? a.username,
      role: 'user' as const,
    })),
    get: jest.fn(async (id: string) => (id === alice.userId ? alice : null)),
  };
  const sessions = {
    start: jest.fn(async () => ({ sessionId: 's-1', refreshToken: 'r-1' })),
    rotate: jest.fn(async () => ({ sessionId: 's-1', userId: alice.userId, refreshToken: 'r-2' })),
    revoke: jest.fn(async () => undefined),
    guestSessionId: (() => {
      let n = 0;
      return () => `gs-${++n}`;
    })(),
  };
  const issued: { subject: AccessTokenSubject; kind: string }[] = [];
  const tokens = {
    issueForUser: async (subject: AccessTokenSubject) => (
      issued.push({ subject, kind: 'user' }),
      { accessToken: 'at', expiresIn: 900 }
    ),
    issueForGuest: async (subject: AccessTokenSubject) => (
      issued.push({ subject, kind: 'guest' }),
      { accessToken: 'gt', expiresIn: 3600 }
    ),
  };
  const limits = new FakeLimits();
  const service = new AuthService(
    users as unknown as UsersService,
    sessions as unknown as SessionsService,
    tokens as unknown as AccessTokenService,
    limits as unknown as RateLimitRepository,
    new AuthMetrics(new MetricsService()),
  );
  return { service, users, sessions, issued, limits };
}

async function failure(p: Promise<unknown>): Promise<DomainException> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainException);
  return e as DomainException;
}

describe('AuthService', () => {
  it('logs in: a session, an access token with the account claims, and the refresh token', async () => {
    const { service, issued, sessions } = setup();
    await expect(service.login('alice', 'right-password', '10.0.0.1')).resolves.toEqual({
      accessToken: 'at',
      refreshToken: 'r-1',
      expiresIn: 900,
    });
    expect(sessions.start).toHaveBeenCalledWith('u-alice');
    expect(issued[0].subject).toEqual({
      userId: 'u-alice',
      nickname: 'Ally',
      role: 'user',
      sessionId: 's-1',
    });
  });

  it('answers unknown user and wrong password identically', async () => {
    const { service } = setup();
    const unknown = await failure(service.login('nobody', 'right-password', '10.0.0.1'));
    const wrong = await failure(service.login('alice', 'wrong-password', '10.0.0.2'));
    expect(unknown.code).toBe('INVALID_CREDENTIALS');
    expect(unknown.toBody()).toEqual(wrong.toBody());
  });

  it('limits failed logins per username (any case), even with the right password afterwards', async () => {
    const { service, users } = setup();
    for (let i = 0; i < 3; i++) {
      expect((await failure(service.login(i % 2 ? 'ALICE' : 'alice', 'nope', `10.0.1.${i}`))).code).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    const limited = await failure(service.login('Alice', 'right-password', '10.0.1.99'));
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.retryAfterMs).toBe(WINDOW_MS);
    expect(users.authenticate).toHaveBeenCalledTimes(3); // no password check while blocked
  });

  it('limits failed logins per client address across usernames', async () => {
    const { service } = setup();
    for (let i = 0; i < 5; i++) await failure(service.login(`user${i}`, 'nope', '10.0.2.1'));
    expect((await failure(service.login('alice', 'right-password', '10.0.2.1'))).code).toBe('RATE_LIMITED');
    await expect(service.login('alice', 'right-password', '10.0.2.2')).resolves.toMatchObject({
      accessToken: 'at',
    });
  });

  it('clears the username count after a successful login', async () => {
    const { service, limits } = setup();
    await failure(service.login('alice', 'nope', '10.0.3.1'));
    await failure(service.login('alice', 'nope', '10.0.3.1'));
    await service.login('alice', 'right-password', '10.0.3.1');
    expect(limits.counts.get('loginFailuresByUsername:alice')).toBeUndefined();
    expect(limits.counts.get('loginFailuresByIp:10.0.3.1')).toBe(2);
  });

  it('limits registrations per client address', async () => {
    const { service, users } = setup();
    await service.register({ username: 'one', password: 'password1' }, '10.0.4.1');
    await expect(service.register({ username: 'two', password: 'password1' }, '10.0.4.1')).resolves.toEqual({
      userId: 'u-new',
      username: 'two',
      nickname: 'two',
    });
    const limited = await failure(service.register({ username: 'three', password: 'password1' }, '10.0.4.1'));
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(users.create).toHaveBeenCalledTimes(2);
  });

  it('issues guest tokens with a guest- id and a default nickname', async () => {
    const { service, issued } = setup();
    await expect(service.guest(undefined, '10.0.5.1')).resolves.toEqual({
      accessToken: 'gt',
      expiresIn: 3600,
    });
    await service.guest('Viewer', '10.0.5.1');
    expect(issued[0]).toMatchObject({ kind: 'guest', subject: { role: 'guest' } });
    expect(issued[0].subject.userId).toMatch(/^guest-[0-9a-f-]{36}$/);
    expect(issued[0].subject.nickname).toMatch(/^guest-[0-9a-f]{4}$/);
    expect(issued[1].subject.nickname).toBe('Viewer');
    expect(issued[0].subject.sessionId).not.toBe(issued[1].subject.sessionId);
  });

  it('limits guest tokens per client address', async () => {
    const { service, issued } = setup();
    for (let i = 0; i < BUDGET.guestTokensByIp; i++) await service.guest(undefined, '10.0.6.1');
    const limited = await failure(service.guest(undefined, '10.0.6.1'));
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.retryAfterMs).toBe(WINDOW_MS);
    expect(issued).toHaveLength(BUDGET.guestTokensByIp);
    // Another address has its own budget.
    await expect(service.guest(undefined, '10.0.6.2')).resolves.toMatchObject({ accessToken: 'gt' });
  });

  it('refreshes with the account as it is now', async () => {
    const { service, issued } = setup();
    await expect(service.refresh('r-1')).resolves.toEqual({
      accessToken: 'at',
      refreshToken: 'r-2',
      expiresIn: 900,
    });
    expect(issued[0].subject).toEqual({
      userId: 'u-alice',
      nickname: 'Ally',
      role: 'user',
      sessionId: 's-1',
    });
  });

  it('revokes the session when the account behind a refresh token is gone', async () => {
    const { service, sessions } = setup();
    sessions.rotate.mockResolvedValueOnce({ sessionId: 's-9', userId: 'u-gone', refreshToken: 'r' });
    expect((await failure(service.refresh('r'))).code).toBe('UNAUTHORIZED');
    expect(sessions.revoke).toHaveBeenCalledWith('s-9', 'u-gone', 'account_missing');
  });

  it('answers /me from the account, and for guests without a username', async () => {
    const { service } = setup();
    const principal = {
      userId: 'u-alice',
      nickname: 'stale',
      role: 'user' as const,
      sessionId: 's',
      expiresAt: 0,
    };
    await expect(service.me(principal)).resolves.toEqual({
      userId: 'u-alice',
      username: 'Alice',
      nickname: 'Ally',
      role: 'user',
    });
    await expect(
      service.me({ ...principal, userId: 'guest-1', nickname: 'G', role: 'guest' }),
    ).resolves.toEqual({
      userId: 'guest-1',
      username: null,
      nickname: 'G',
      role: 'guest',
    });
  });
});
