import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { DanmakuBatchEvent, NoticeEvent } from '@danmaku/contracts';
import {
  connectViewer,
  emitAck,
  expectEventually,
  freePort,
  httpJson,
  nextEvent,
  recordEvents,
  uniqueId,
  workspaceRoot,
  type ViewerSocket,
} from '@danmaku/testing';
import { adminToken, newUser, roomName, startStack, type Stack } from './stack';

const USERS = ['auth', 'moderation', 'gateway', 'replay'] as const;
type User = (typeof USERS)[number];

/**
 * Issue 14, item 2: a Redis started as compose starts it (deploy/redis/redis-acl.sh over
 * deploy/redis/users.acl), each app on its own ACL user. The product works end to end on it,
 * and each user is refused (`NOPERM`) what belongs to another app; nothing gets in without a user.
 */
describe('per-app Redis ACL users', () => {
  const namespace = uniqueId('acl').toLowerCase();
  const dir = mkdtempSync(join(tmpdir(), 'danmaku-redis-acl-'));
  const passwords = Object.fromEntries(USERS.map((u) => [u, randomBytes(16).toString('hex')])) as Record<
    User,
    string
  >;
  let port = 0;
  let redisServer: ChildProcess | undefined;
  let stack: Stack | undefined;
  const clients: Redis[] = [];
  const sockets: ViewerSocket[] = [];

  const url = (user: User) => `redis://${user}:${passwords[user]}@127.0.0.1:${port}`;
  /** A client as the app's user, with the apps' key prefix. */
  function as(user: User | null): Redis {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      username: user ?? undefined,
      password: user ? passwords[user] : undefined,
      keyPrefix: `${namespace}:`,
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    port = await freePort();
    redisServer = spawn(
      'sh',
      [
        join(workspaceRoot(), 'deploy', 'redis', 'redis-acl.sh'),
        ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      ],
      {
        env: {
          ...process.env,
          ...Object.fromEntries(USERS.map((u) => [`REDIS_${u.toUpperCase()}_PASSWORD`, passwords[u]])),
          REDIS_ACL_NAMESPACE: namespace,
          REDIS_ACL_FILE: join(dir, 'users.acl'),
        },
        stdio: 'ignore',
      },
    );
    await expectEventually(async () => expect(await as('replay').ping()).toBe('PONG'), { timeoutMs: 10_000 });
    stack = await startStack({
      namespace,
      gateways: 2,
      env: {
        auth: { REDIS_URL: url('auth') },
        moderation: { REDIS_URL: url('moderation') },
        replay: { REDIS_URL: url('replay') },
        gateway: { REDIS_URL: url('gateway') },
      },
    });
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const c of clients) c.disconnect();
    await stack?.stop();
    redisServer?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('runs the product: log in, send on one gateway, receive on the other, replay it, ban', async () => {
    const s = stack;
    if (!s) throw new Error('the stack did not start (see beforeAll)');
    const admin = await adminToken(s);
    const [alice, bob] = await Promise.all([newUser(s, 'alice'), newUser(s, 'bob')]);
    const roomId = roomName();
    const sender = await connectViewer(s.gateways[0].url, alice.token);
    const watcher = await connectViewer(s.gateways[1].url, bob.token);
    sockets.push(sender, watcher);
    const batches = recordEvents<DanmakuBatchEvent>(watcher, 'danmaku:batch');
    expect((await emitAck(sender, 'room:join', { roomId })).ok).toBe(true);
    expect((await emitAck(watcher, 'room:join', { roomId })).ok).toBe(true);

    const sent = await emitAck(sender, 'danmaku:send', { roomId, text: 'through the ACLs' });
    expect(sent).toEqual({ ok: true, id: expect.any(String) });
    await expectEventually(() => expect(batches.flatMap((b) => b.items).map((d) => d.id)).toContain(sent.id));
    await expectEventually(async () => {
      const page = await httpJson('GET', `${s.replay.url}/v1/rooms/${roomId}/danmaku`);
      expect(page.body.items?.map((d: { id: string }) => d.id)).toEqual([sent.id]);
    });

    // Moderation writes the ban, the gateway reads it (room:…:bans is moderation's, read-only to it).
    const banned = nextEvent<NoticeEvent>(sender, 'notice', (n) => n.code === 'BANNED', 10_000);
    const ban = await httpJson('POST', `${s.moderation.url}/v1/rooms/${roomId}/bans`, {
      token: admin,
      body: { userId: alice.userId, reason: 'acl test' },
    });
    expect(ban.status).toBe(201);
    await banned;
    expect((await emitAck(sender, 'room:join', { roomId })).error?.code).toBe('BANNED');

    // Both gateways hold the adapter's pattern subscription on their own channels.
    expect(await as('gateway').publish(`${namespace}:socket.io#/#no-such-room#`, 'x')).toBe(2);
    for (const app of [s.auth, s.moderation, s.replay, ...s.gateways])
      expect(app.output()).not.toMatch(/NOPERM/);
  });

  it('lets no app read auth’s signing keys, which are there', async () => {
    expect(await as('auth').get('auth:signing-keys')).toEqual(expect.any(String));
    for (const user of ['gateway', 'moderation', 'replay'] as const) {
      await expect(as(user).get('auth:signing-keys')).rejects.toThrow(/^NOPERM/);
      await expect(as(user).hgetall('auth:signing-keys')).rejects.toThrow(/^NOPERM/);
      await expect(as(user).dump('auth:signing-keys')).rejects.toThrow(/^NOPERM/);
      // Nor through a script: scripts run with the caller's permissions.
      await expect(
        as(user).eval("return redis.call('GET', KEYS[1])", 1, 'auth:signing-keys'),
      ).rejects.toThrow(/NOPERM|can't access/);
    }
  });

  it('keeps every app to its own keys: what others publish is read-only, the rest out of reach', async () => {
    const gateway = as('gateway');
    const roomId = roomName();
    // The gateway reads moderation's sanctions and auth's revocations, and writes neither.
    expect(await gateway.hgetall(`room:${roomId}:bans`)).toEqual({});
    expect(await gateway.exists('auth:revoked:some-session')).toBe(0);
    await expect(gateway.hset(`room:${roomId}:bans`, 'u1', '{"until":null}')).rejects.toThrow(/^NOPERM/);
    await expect(gateway.hset('site:bans', 'u1', '{"until":null}')).rejects.toThrow(/^NOPERM/);
    await expect(gateway.hset(`mod:room:${roomId}:bans`, 'u1', '{}')).rejects.toThrow(/^NOPERM/);
    await expect(gateway.set('auth:revoked:some-session', '1')).rejects.toThrow(/^NOPERM/);
    await expect(gateway.set('replay:retention:lock', 'me')).rejects.toThrow(/^NOPERM/);

    // Moderation reads revocations, never writes them; gateway and replay keys are not its.
    const moderation = as('moderation');
    expect(await moderation.exists('auth:revoked:some-session')).toBe(0);
    await expect(moderation.set('auth:revoked:some-session', '1')).rejects.toThrow(/^NOPERM/);
    await expect(moderation.zrange('gw:instances', 0, -1)).rejects.toThrow(/^NOPERM/);
    await expect(moderation.hgetall('auth:user:u1')).rejects.toThrow(/^NOPERM/);

    // Replay has only its store.
    const replay = as('replay');
    await expect(replay.zadd('gw:instances', Date.now(), 'fake')).rejects.toThrow(/^NOPERM/);
    await expect(replay.set(`gw:send-rate:u1`, '0')).rejects.toThrow(/^NOPERM/);
    await expect(replay.get(`room:${roomId}:settings`)).rejects.toThrow(/^NOPERM/);
    await expect(replay.exists('auth:revoked:some-session')).rejects.toThrow(/^NOPERM/);

    // Auth has nothing of the others.
    const auth = as('auth');
    await expect(auth.hset(`room:${roomId}:bans`, 'u1', '{}')).rejects.toThrow(/^NOPERM/);
    await expect(auth.get('replay:retention:lock')).rejects.toThrow(/^NOPERM/);
  });

  it('gives the adapter’s channels to the gateway only, and server-wide commands to nobody', async () => {
    const channel = `${namespace}:socket.io#/#no-such-room#`;
    for (const user of ['auth', 'moderation', 'replay'] as const) {
      await expect(as(user).publish(channel, 'x')).rejects.toThrow(/^NOPERM/);
      await expect(as(user).subscribe(`${namespace}:socket.io-request#/#`)).rejects.toThrow(/^NOPERM/);
    }
    await expect(as('gateway').publish('elsewhere', 'x')).rejects.toThrow(/^NOPERM/);
    for (const user of USERS) {
      const client = as(user);
      await expect(client.flushall()).rejects.toThrow(/^NOPERM/);
      await expect(client.keys('*')).rejects.toThrow(/^NOPERM/);
      await expect(client.config('GET', '*')).rejects.toThrow(/^NOPERM/);
      await expect(client.call('ACL', 'LIST')).rejects.toThrow(/^NOPERM/);
      await expect(client.call('CLIENT', 'LIST')).rejects.toThrow(/^NOPERM/);
    }
    // SCAN lists key names whatever the key patterns: only replay (its retention sweep) may.
    for (const user of ['auth', 'moderation', 'gateway'] as const)
      await expect(as(user).scan(0)).rejects.toThrow(/^NOPERM/);
  });

  it('lets nobody in without a user and its password', async () => {
    await expect(as(null).ping()).rejects.toThrow(/^NOAUTH/);
    await expect(as(null).get('auth:signing-keys')).rejects.toThrow(/^NOAUTH/);
    // `default` is off, with or without a password; a wrong password is refused.
    const anonymous = as(null);
    await expect(anonymous.call('AUTH', 'default', '')).rejects.toThrow(/^WRONGPASS/);
    await expect(anonymous.call('AUTH', 'default', 'any-password')).rejects.toThrow(/^WRONGPASS/);
    await expect(anonymous.call('AUTH', 'gateway', 'not-the-password')).rejects.toThrow(/^WRONGPASS/);
    await expect(anonymous.call('AUTH', 'gateway', passwords.gateway)).resolves.toBe('OK');
  });

  it('starts no Redis with a password missing, too short or unfit for a URL', () => {
    const start = (overrides: Record<string, string>) =>
      spawnSync('sh', [join(workspaceRoot(), 'deploy', 'redis', 'redis-acl.sh'), '--port', '1'], {
        env: {
          ...process.env,
          ...Object.fromEntries(USERS.map((u) => [`REDIS_${u.toUpperCase()}_PASSWORD`, passwords[u]])),
          REDIS_ACL_FILE: join(dir, 'refused.acl'),
          ...overrides,
        },
        encoding: 'utf8',
      });
    for (const [value, reason] of [
      ['', 'is not set'],
      ['short', 'is shorter than 16'],
      ['has@and/in-a-url-breaks', 'may hold only'],
    ]) {
      const r = start({ REDIS_GATEWAY_PASSWORD: value });
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 1,
        stderr: expect.stringContaining(`REDIS_GATEWAY_PASSWORD ${reason}`),
      });
    }
  });
});
