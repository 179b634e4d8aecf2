import { io } from 'socket.io-client';
import { emitAck, expectEventually, nextEvent, type ViewerSocket } from '@danmaku/testing';
import { newUser, roomName, startStack, type Stack } from './stack';

/**
 * Issue 14, item 3 (socket side): joins/leaves and invalid events are limited per socket, a
 * socket that keeps sending invalid events is disconnected with a notice, and connections
 * are capped per client address, the address read from X-Forwarded-For of a trusted proxy
 * (the test runner on loopback plays the proxy).
 */
describe('socket limits (real gateway)', () => {
  let stack: Stack;
  const sockets: ViewerSocket[] = [];

  beforeAll(async () => {
    stack = await startStack({
      gateways: 1,
      env: {
        gateway: {
          TRUSTED_PROXIES: 'loopback',
          GATEWAY_ROOM_COMMAND_RATE_LIMIT: '10',
          GATEWAY_ROOM_COMMAND_RATE_WINDOW_SEC: '30',
          GATEWAY_INVALID_EVENT_LIMIT: '5',
          GATEWAY_INVALID_EVENT_DISCONNECT: '12',
          GATEWAY_INVALID_EVENT_WINDOW_SEC: '30',
          GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: '4',
          GATEWAY_MAX_ROOMS_PER_SOCKET: '1000',
        },
      },
    });
  }, 120_000);

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await stack?.stop();
  });

  /** Connects as if through the proxy, for the client at `address`. */
  function connectFrom(address: string, token: string): Promise<ViewerSocket> {
    const socket: ViewerSocket = io(stack.gateways[0].url, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { 'x-forwarded-for': address },
    });
    sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
    });
  }

  it('limits a join/leave flood with RATE_LIMITED and retryAfterMs, per socket', async () => {
    const user = await newUser(stack, 'joinflood');
    const flooder = await connectFrom('198.51.100.10', user.token);
    const acks = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        emitAck(flooder, i % 2 ? 'room:leave' : 'room:join', { roomId: `flood-${i >> 1}` }),
      ),
    );
    const ok = acks.filter((a) => a.ok).length;
    const limited = acks.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED');
    expect(ok).toBe(10);
    expect(limited).toHaveLength(30);
    expect(limited[0].error.retryAfterMs).toBeGreaterThan(20_000);
    expect(flooder.connected).toBe(true);
    // The limit is the flooder's: another socket of the same user joins.
    const other = await connectFrom('198.51.100.11', user.token);
    expect(await emitAck(other, 'room:join', { roomId: roomName() })).toMatchObject({ ok: true });
  });

  it('answers invalid events, then RATE_LIMITED, then disconnects with notice TOO_MANY_INVALID_EVENTS', async () => {
    const user = await newUser(stack, 'fuzz');
    const fuzzer = await connectFrom('198.51.100.20', user.token);
    const notice = nextEvent(fuzzer, 'notice', () => true, 15_000);
    const disconnected = new Promise<string>((resolve) => fuzzer.once('disconnect', resolve));
    const answers: { ok: boolean; error?: { code: string; retryAfterMs?: number } }[] = [];
    // Bad payloads of a real command and events that are no command at all, alternately.
    for (let i = 0; i < 11; i++) {
      answers.push(
        await (i % 2
          ? emitAck(fuzzer, 'room:join', { roomId: 'bad room id!' })
          : emitAck(fuzzer, `nope:${i}`, { x: i })),
      );
    }
    expect(answers.slice(0, 5).map((a) => a.error?.code)).toEqual(Array(5).fill('INVALID_PAYLOAD'));
    expect(answers.slice(5).map((a) => a.error?.code)).toEqual(Array(6).fill('RATE_LIMITED'));
    expect(answers[5].error?.retryAfterMs).toBeGreaterThan(0);
    expect(fuzzer.connected).toBe(true);
    // The 12th is the last: the notice comes first, then the server closes the socket.
    (fuzzer as unknown as { emit(event: string, payload: unknown): void }).emit('room:leave', 42);
    expect(await notice).toMatchObject({ code: 'TOO_MANY_INVALID_EVENTS' });
    expect(await disconnected).toBe('io server disconnect');
  });

  it('refuses connections over the cap per address (TOO_MANY_CONNECTIONS) while another address connects', async () => {
    const user = await newUser(stack, 'conns');
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await connectFrom('203.0.113.7', user.token));
    await expect(connectFrom('203.0.113.7', user.token)).rejects.toThrow('TOO_MANY_CONNECTIONS');
    const other = await connectFrom('203.0.113.8', user.token);
    expect(other.connected).toBe(true);
    // A slot frees when a connection closes.
    first[0].close();
    await expectEventually(
      async () => {
        const again = await connectFrom('203.0.113.7', user.token);
        expect(again.connected).toBe(true);
      },
      { timeoutMs: 5_000 },
    );
  });
});
