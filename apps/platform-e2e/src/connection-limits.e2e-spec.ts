import {
  connectViewer,
  emitAck,
  freePort,
  spawnApp,
  type RunningApp,
  type ViewerSocket,
} from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack } from './stack';

/** Issue 11, items 5 and 6: an outage is not a rejection at connect; rooms per socket are capped. */
describe('connection limits and outage codes (real gateways)', () => {
  let stack: Stack;
  let blind: RunningApp | undefined;
  const sockets: ViewerSocket[] = [];

  beforeAll(async () => {
    stack = await startStack({ gateways: 1, env: { gateway: { GATEWAY_MAX_ROOMS_PER_SOCKET: '3' } } });
  }, 120_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await blind?.stop();
    await stack?.stop();
  });

  it('answers TOO_MANY_ROOMS past the cap, and lets a socket rejoin a room it is in or join after leaving one', async () => {
    const user = await newUser(stack, 'rooms');
    const socket = await connectViewer(stack.gateways[0].url, user.token);
    sockets.push(socket);
    const rooms = [roomName(), roomName(), roomName(), roomName()];
    for (const roomId of rooms.slice(0, 3))
      expect(await emitAck(socket, 'room:join', { roomId })).toMatchObject({ ok: true });
    expect(await emitAck(socket, 'room:join', { roomId: rooms[3] })).toMatchObject({
      ok: false,
      error: { code: 'TOO_MANY_ROOMS', details: { max: 3 } },
    });
    expect(await emitAck(socket, 'room:join', { roomId: rooms[0] })).toMatchObject({ ok: true });
    expect(await emitAck(socket, 'room:leave', { roomId: rooms[1] })).toEqual({ ok: true });
    expect(await emitAck(socket, 'room:join', { roomId: rooms[3] })).toMatchObject({ ok: true });
  });

  it('refuses a Zalgo danmaku (TOO_MANY_MARKS) and one over the byte bound (TOO_LONG), and sends NFC text', async () => {
    // Issue 14, item 4: 8 graphemes, well under maxLength, yet ~500 bytes of stacked marks.
    const user = await newUser(stack, 'zalgo');
    const socket = await connectViewer(stack.gateways[0].url, user.token);
    sockets.push(socket);
    const roomId = roomName();
    expect(await emitAck(socket, 'room:join', { roomId })).toMatchObject({ ok: true });
    const marks = Array.from({ length: 30 }, (_, i) => String.fromCodePoint(0x300 + i)).join('');
    const zalgo = [...'he comes'].map((c) => c + marks).join('');
    expect(await emitAck(socket, 'danmaku:send', { roomId, text: zalgo })).toMatchObject({
      ok: false,
      error: { code: 'TOO_MANY_MARKS', details: { maxMarksPerGrapheme: 6, marks: 30, path: 'text' } },
    });
    // 500 emoji: within a maxLength of 500 graphemes, but 2,000+ bytes with the flag pairs.
    expect(await emitAck(socket, 'danmaku:send', { roomId, text: '🇯🇵'.repeat(300) })).toMatchObject({
      ok: false,
      error: { code: 'TOO_LONG', details: { maxBytes: 2048, bytes: 2400 } },
    });
    const batch = new Promise<{ items: { text: string }[] }>((resolve) =>
      socket.once('danmaku:batch', resolve),
    );
    expect(await emitAck(socket, 'danmaku:send', { roomId, text: 'Cafe\u0301' })).toMatchObject({ ok: true });
    expect((await batch).items[0].text).toBe('Caf\u00e9');
  });

  it('refuses a connection with UNAVAILABLE when the token cannot be checked, and UNAUTHORIZED when it is bad', async () => {
    const user = await newUser(stack, 'outage');
    // A gateway whose key set (JWKS) is unreachable: it cannot check any token.
    const deadPort = await freePort();
    blind = await spawnApp('gateway', {
      port: await freePort(),
      name: 'gateway-blind',
      env: {
        DANMAKU_NAMESPACE: stack.namespace,
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        AUTH_JWKS_URL: `http://127.0.0.1:${deadPort}/.well-known/jwks.json`,
      },
    });
    await expect(connectViewer(blind.url, user.token)).rejects.toMatchObject({ message: 'UNAVAILABLE' });
    await expect(connectViewer(blind.url, 'not-a-jwt')).rejects.toMatchObject({ message: 'UNAUTHORIZED' });
    // The healthy gateway still tells a bad token from a good one.
    await expect(connectViewer(stack.gateways[0].url, 'not-a-jwt')).rejects.toMatchObject({
      message: 'UNAUTHORIZED',
    });
    sockets.push(await connectViewer(stack.gateways[0].url, user.token));
  }, 60_000);
});
