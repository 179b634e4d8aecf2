import Redis from 'ioredis';
import type { NoticeEvent } from '@danmaku/contracts';
import {
  connectViewer,
  emitAck,
  expectEventually,
  httpJson,
  nextEvent,
  recordEvents,
  type ViewerSocket,
} from '@danmaku/testing';
import { adminToken, loginFull, roomName, startStack, type Stack } from './stack';
import { testInfra } from '@danmaku/testing';

/** Session revocation and token expiry reaching open sockets on two gateway instances. */
describe('auth sessions on open sockets', () => {
  let stack: Stack;
  const sockets: ViewerSocket[] = [];
  const password = 'correct-horse-battery';

  async function account(label: string) {
    const username = `${label}_${Math.random().toString(36).slice(2, 10)}`;
    const reg = await httpJson('POST', `${stack.auth.url}/v1/auth/register`, {
      body: { username, password },
    });
    expect(reg.status).toBe(201);
    return { username, ...(await loginFull(stack, username, password)) };
  }

  async function viewer(gateway: number, token: string) {
    const s = await connectViewer(stack.gateways[gateway].url, token);
    sockets.push(s);
    return s;
  }

  beforeAll(async () => {
    // Short-lived access tokens so expiry can be watched in a test.
    stack = await startStack({
      gateways: 2,
      env: { auth: { ACCESS_TOKEN_TTL_SEC: '10' }, gateway: { GATEWAY_TOKEN_GRACE_MS: '1500' } },
    });
  }, 120_000);

  afterEach(() => {
    while (sockets.length) sockets.pop()?.close();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('logout drops every socket of that session on both gateways within 2 s, after a notice', async () => {
    const a = await account('leaver');
    const other = await account('stayer');
    const s1 = await viewer(0, a.accessToken);
    const s2 = await viewer(1, a.accessToken);
    const bystander = await viewer(1, other.accessToken);
    const roomId = roomName();
    for (const s of [s1, s2, bystander]) await emitAck(s, 'room:join', { roomId });
    const notices = [recordEvents<NoticeEvent>(s1, 'notice'), recordEvents<NoticeEvent>(s2, 'notice')];
    const gone = [s1, s2].map((s) => new Promise<string>((r) => s.once('disconnect', (reason) => r(reason))));

    const t0 = Date.now();
    const out = await httpJson('POST', `${stack.auth.url}/v1/auth/logout`, { token: a.accessToken });
    expect(out.status).toBe(204);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(Date.now() - t0).toBeLessThan(2000);
    for (const n of notices) expect(n.map((x) => x.code)).toEqual(['SESSION_REVOKED']);

    // The revoked token is refused at connect, on either instance; others are untouched.
    await expect(connectViewer(stack.gateways[0].url, a.accessToken)).rejects.toThrow('UNAUTHORIZED');
    await expect(connectViewer(stack.gateways[1].url, a.accessToken)).rejects.toThrow('UNAUTHORIZED');
    expect(bystander.connected).toBe(true);
  });

  it('a revocation reaches both gateways from Kafka itself, while Redis pub/sub keeps dropping', async () => {
    const a = await account('cut');
    const s1 = await viewer(0, a.accessToken);
    const s2 = await viewer(1, a.accessToken);
    const gone = [s1, s2].map((s) => new Promise<string>((r) => s.once('disconnect', (reason) => r(reason))));
    // Every pub/sub subscriber connection (the Socket.IO Redis adapter's) is cut again and
    // again: nothing that travels between gateways through Redis pub/sub can arrive now.
    const redis = new Redis(testInfra().redisUrl);
    let cutting = true;
    let cut = 0;
    const cuts = (async () => {
      while (cutting) {
        cut += Number(await redis.client('KILL', 'TYPE', 'pubsub').catch(() => 0));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      const out = await httpJson('POST', `${stack.auth.url}/v1/auth/logout`, { token: a.accessToken });
      expect(out.status).toBe(204);
      expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(cut).toBeGreaterThan(0); // the gateways' subscribers were there to cut
    } finally {
      cutting = false;
      await cuts;
      redis.disconnect();
    }
  });

  it("a demoted admin's sockets on both gateways lose the role at once", async () => {
    const admin = await adminToken(stack);
    const promoted = await account('boss');
    const me = await httpJson('GET', `${stack.auth.url}/v1/auth/me`, { token: promoted.accessToken });
    const userId = me.body.userId as string;
    const up = await httpJson('PUT', `${stack.auth.url}/v1/users/${userId}/role`, {
      token: admin,
      body: { role: 'admin' },
    });
    expect(up.status).toBe(200);
    const asAdmin = await loginFull(stack, promoted.username, password);
    const s1 = await viewer(0, asAdmin.accessToken);
    const s2 = await viewer(1, asAdmin.accessToken);
    const notices = [recordEvents<NoticeEvent>(s1, 'notice'), recordEvents<NoticeEvent>(s2, 'notice')];
    const gone = [s1, s2].map((s) => new Promise<string>((r) => s.once('disconnect', (reason) => r(reason))));

    const t0 = Date.now();
    const down = await httpJson('PUT', `${stack.auth.url}/v1/users/${userId}/role`, {
      token: admin,
      body: { role: 'user' },
    });
    expect(down.status).toBe(200);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(Date.now() - t0).toBeLessThan(3000);
    for (const n of notices) expect(n.map((x) => x.code)).toEqual(['SESSION_REVOKED']);
    // Its admin token is refused from then on; signing in again gives a user's token.
    await expect(connectViewer(stack.gateways[0].url, asAdmin.accessToken)).rejects.toThrow('UNAUTHORIZED');
    const again = await loginFull(stack, promoted.username, password);
    const who = await httpJson('GET', `${stack.auth.url}/v1/auth/me`, { token: again.accessToken });
    expect(who.body.role).toBe('user');
  });

  it('an expired token gets TOKEN_EXPIRED; auth:refresh keeps the socket, silence drops it', async () => {
    const keeper = await account('keeper');
    const idler = await account('idler');
    const kept = await viewer(0, keeper.accessToken);
    const dropped = await viewer(1, idler.accessToken);

    // When each notice arrived: the grace it announces must still be ahead of it then.
    const [[n1, n1At], [n2]] = await Promise.all(
      [kept, dropped].map((s) =>
        nextEvent<NoticeEvent>(s, 'notice', (n) => n.code === 'TOKEN_EXPIRED', 15000).then(
          (n) => [n, Date.now()] as const,
        ),
      ),
    );
    expect(n1.until).toBeGreaterThan(n1At);
    expect(n2.code).toBe('TOKEN_EXPIRED');

    const refreshed = await httpJson('POST', `${stack.auth.url}/v1/auth/refresh`, {
      body: { refreshToken: keeper.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    const ack = await emitAck(kept, 'auth:refresh', { token: refreshed.body.accessToken });
    expect(ack).toEqual({ ok: true, expiresAt: expect.any(Number) });
    // Another user's token cannot take over the socket.
    expect(
      (
        await emitAck(kept, 'auth:refresh', {
          token: (await loginFull(stack, idler.username, password)).accessToken,
        })
      ).error.code,
    ).toBe('FORBIDDEN');
    expect((await emitAck(kept, 'auth:refresh', { token: 'garbage' })).error.code).toBe('UNAUTHORIZED');

    await expectEventually(() => expect(dropped.connected).toBe(false), { timeoutMs: 6000 });
    expect(kept.connected).toBe(true);
  });
});
