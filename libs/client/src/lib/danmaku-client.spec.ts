import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import type { Danmaku, RoomJoinPayload } from '@danmaku/contracts';
import { DanmakuClient, DanmakuClientError, type ConnectionState } from './danmaku-client';
import { randomId } from './random-id';

/** A scripted Socket.IO server standing in for a gateway: real sockets, behaviour per test. */
class FakeGateway {
  readonly http: HttpServer = createServer();
  readonly io = new Server(this.http, { transports: ['websocket'] });
  readonly joins: RoomJoinPayload[] = [];
  readonly sends: { nonce?: string; text: string }[] = [];
  sockets: ServerSocket[] = [];
  onJoin: (p: RoomJoinPayload) => unknown = (p) => ({
    ok: true,
    roomId: p.roomId,
    online: 1,
    settings,
    recent: [],
    recovered: true,
  });
  onSend: ((p: { nonce?: string; text: string }, attempt: number) => unknown) | null = () => ({
    ok: true,
    id: 'id-1',
  });

  /** `authorize` answers true, false (UNAUTHORIZED) or the connect_error message to send. */
  constructor(authorize: (token: unknown) => boolean | string = () => true) {
    this.io.use((socket, next) => {
      const verdict = authorize(socket.handshake.auth['token']);
      if (verdict === true) next();
      else next(new Error(typeof verdict === 'string' ? verdict : 'UNAUTHORIZED'));
    });
    this.io.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.on('room:join', (p: RoomJoinPayload, ack: (r: unknown) => void) => {
        this.joins.push(p);
        void socket.join(p.roomId);
        ack(this.onJoin(p));
      });
      socket.on('danmaku:send', (p: { nonce?: string; text: string }, ack: (r: unknown) => void) => {
        this.sends.push(p);
        const answer = this.onSend?.(p, this.sends.filter((s) => s.nonce === p.nonce).length);
        if (answer) ack(answer);
      });
    });
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((r) => this.http.listen(port, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** Drops every connection at the transport level: the client sees a network blip and reconnects. */
  blip(): void {
    for (const s of this.sockets) s.conn.close();
    this.sockets = [];
  }

  close(): Promise<void> {
    return new Promise((r) => this.io.close(() => r()));
  }
}

const settings = { slowModeSec: 0, maxLength: 100, closed: false, uniqueChat: false };
const dm = (seq: number, roomId = 'r1'): Danmaku => ({
  id: `d${seq}`,
  roomId,
  seq,
  userId: 'u1',
  nickname: 'n',
  text: `t${seq}`,
  mode: 'scroll',
  color: '#ffffff',
  size: 'medium',
  sentAt: 1_700_000_000_000 + seq,
  sessionId: null,
  offsetMs: null,
});

async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('DanmakuClient', () => {
  let gw: FakeGateway;
  let url: string;
  const clients: DanmakuClient[] = [];
  const client = (opts: Partial<ConstructorParameters<typeof DanmakuClient>[0]> = {}) => {
    const c = new DanmakuClient({
      url,
      token: 't',
      ackTimeoutMs: 500,
      socketOptions: { reconnectionDelay: 50 },
      ...opts,
    });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    gw = new FakeGateway((t) => t !== 'bad');
    url = await gw.listen();
  });

  afterEach(async () => {
    while (clients.length) clients.pop()?.close();
    await gw.close();
  });

  it('delivers join recents and live batches through on(), once each and in order; off() stops it', async () => {
    gw.onJoin = (p) => ({
      ok: true,
      roomId: p.roomId,
      online: 7,
      settings,
      recent: [dm(1), dm(2)],
      recovered: true,
    });
    const c = client();
    const seen: number[] = [];
    const online: number[] = [];
    const listener = (_room: string, items: Danmaku[]) => seen.push(...items.map((d) => d.seq));
    c.on('danmaku', listener);
    c.on('online', (_room, n) => online.push(n));
    await c.connect();
    await c.join('r1');
    gw.io.to('r1').emit('danmaku:batch', { roomId: 'r1', items: [dm(2), dm(3)] });
    await eventually(() => expect(seen).toEqual([1, 2, 3]));
    expect(online).toEqual([7]);
    c.off('danmaku', listener);
    gw.io.to('r1').emit('danmaku:batch', { roomId: 'r1', items: [dm(4)] });
    await eventually(() => expect(c.lastSeq('r1')).toBe(4));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('emits retract, notice, online and settings events besides the callbacks', async () => {
    const onRetract = jest.fn();
    const c = client({ onRetract });
    const got: unknown[] = [];
    c.on('retract', (room, ids) => got.push(['retract', room, ids]));
    c.on('notice', (n) => got.push(['notice', n.code]));
    c.on('online', (room, n) => got.push(['online', room, n]));
    c.on('settings', (room, s) => got.push(['settings', room, s.maxLength]));
    await c.connect();
    await c.join('r1');
    got.length = 0;
    gw.io.to('r1').emit('danmaku:retract', { roomId: 'r1', ids: ['d1'] });
    gw.io.to('r1').emit('notice', { code: 'MUTED', roomId: 'r1', message: 'calm down', until: 1 });
    gw.io.to('r1').emit('room:online', { roomId: 'r1', count: 3 });
    gw.io.to('r1').emit('room:settings', { roomId: 'r1', settings: { ...settings, maxLength: 20 } });
    await eventually(() => expect(got).toHaveLength(4));
    expect(got).toEqual([
      ['retract', 'r1', ['d1']],
      ['notice', 'MUTED'],
      ['online', 'r1', 3],
      ['settings', 'r1', 20],
    ]);
    expect(onRetract).toHaveBeenCalledWith('r1', ['d1']);
  });

  it('reports connection state: connecting, connected, connecting after a blip, connected, disconnected on close', async () => {
    const c = client();
    const states: ConnectionState[] = [];
    c.on('state', (s) => states.push(s));
    expect(c.state).toBe('disconnected');
    await c.connect();
    gw.blip();
    await eventually(() => expect(states).toEqual(['connecting', 'connected', 'connecting', 'connected']));
    c.close();
    expect(states.at(-1)).toBe('disconnected');
    expect(c.state).toBe('disconnected');
  });

  it('connect() keeps retrying until the server comes up', async () => {
    const later = new FakeGateway();
    const port = (gw.http.address() as AddressInfo).port;
    await gw.close();
    const c = client({ url: `http://127.0.0.1:${port}` });
    const connected = c.connect(5000);
    await new Promise((r) => setTimeout(r, 400));
    expect(c.state).toBe('connecting');
    await later.listen(port);
    gw = later; // closed by afterEach
    await expect(connected).resolves.toBeUndefined();
    expect(c.state).toBe('connected');
  });

  it('connect() rejects a refused token at once, after one retry with a fresh token', async () => {
    const token = jest.fn(() => 'bad');
    const c = client({ token });
    const states: [ConnectionState, string | undefined][] = [];
    c.on('state', (s, e) => states.push([s, e?.code]));
    const err = await c.connect(5000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DanmakuClientError);
    expect((err as DanmakuClientError).code).toBe('UNAUTHORIZED');
    expect(token).toHaveBeenCalledTimes(2);
    expect(states.at(-1)).toEqual(['disconnected', 'UNAUTHORIZED']);
  });

  it('connect() retries a handshake answered UNAVAILABLE (an outage) and gets through once it passes', async () => {
    let outages = 2;
    const flaky = new FakeGateway(() => (outages-- > 0 ? 'UNAVAILABLE' : true));
    const url = await flaky.listen();
    const c = new DanmakuClient({ url, token: 't', socketOptions: { transports: ['websocket'] } });
    try {
      await c.connect(10_000);
      expect(c.state).toBe('connected');
      expect(outages).toBe(-1);
    } finally {
      c.close();
      await flaky.close();
    }
  });

  it('connect() gives up with TIMEOUT when nothing answers', async () => {
    const port = (gw.http.address() as AddressInfo).port;
    await gw.close();
    gw = new FakeGateway();
    const c = client({ url: `http://127.0.0.1:${port}` });
    await expect(c.connect(300)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(c.state).toBe('disconnected');
  });

  it('a send pending at close() settles with CLOSED', async () => {
    gw.onSend = null; // never acknowledges
    const c = client({ ackTimeoutMs: 60_000 });
    await c.connect();
    await c.join('r1');
    const pending = c.send({ roomId: 'r1', text: 'hello' });
    await eventually(() => expect(gw.sends).toHaveLength(1));
    c.close();
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('a send waiting for a connection settles with CLOSED at close()', async () => {
    const c = client();
    const pending = c.send({ roomId: 'r1', text: 'hello' });
    c.close();
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('retries a send whose ack timed out with the same nonce, and returns the server error as is', async () => {
    gw.onSend = (_p, attempt) => (attempt === 1 ? null : { ok: true, id: 'd9' });
    const c = client({ ackTimeoutMs: 200 });
    await c.connect();
    await expect(c.send({ roomId: 'r1', text: 'hi' })).resolves.toEqual({ ok: true, id: 'd9' });
    expect(gw.sends).toHaveLength(2);
    expect(gw.sends[0].nonce).toBe(gw.sends[1].nonce);
    gw.onSend = () => ({ ok: false, error: { code: 'SLOW_MODE', message: 'wait', retryAfterMs: 1500 } });
    await expect(c.send({ roomId: 'r1', text: 'again' })).rejects.toMatchObject({
      code: 'SLOW_MODE',
      retryAfterMs: 1500,
    });
  });

  it('rejoins after a blip with the last seq; a refused rejoin leaves the room and is not retried', async () => {
    const c = client();
    const left: [string, string][] = [];
    c.on('left', (room, e) => left.push([room, e.code]));
    await c.connect();
    gw.onJoin = (p) => ({
      ok: true,
      roomId: p.roomId,
      online: 1,
      settings,
      recent: [dm(1), dm(2)],
      recovered: true,
    });
    await c.join('r1');
    gw.onJoin = () => ({ ok: false, error: { code: 'BANNED', message: 'banned' } });
    gw.blip();
    await eventually(() => expect(left).toEqual([['r1', 'BANNED']]));
    expect(gw.joins.at(-1)).toEqual({ roomId: 'r1', sinceSeq: 2 });
    expect(c.joinedRooms).toEqual([]);
    const joins = gw.joins.length;
    gw.blip();
    await eventually(() => expect(c.state).toBe('connected'));
    await new Promise((r) => setTimeout(r, 200));
    expect(gw.joins).toHaveLength(joins);
  });

  it('a refused join rejects with the code and is forgotten', async () => {
    gw.onJoin = () => ({ ok: false, error: { code: 'BANNED', message: 'banned' } });
    const c = client();
    await c.connect();
    await expect(c.join('r1')).rejects.toMatchObject({ code: 'BANNED' });
    expect(c.joinedRooms).toEqual([]);
  });

  it('a live gap is recovered by rejoining with sinceSeq, without duplicates', async () => {
    const c = client();
    const seen: number[] = [];
    c.on('danmaku', (_r, items) => seen.push(...items.map((d) => d.seq)));
    await c.connect();
    await c.join('r1');
    gw.io.to('r1').emit('danmaku:batch', { roomId: 'r1', items: [dm(1)] });
    await eventually(() => expect(seen).toEqual([1]));
    gw.onJoin = (p) => ({
      ok: true,
      roomId: p.roomId,
      online: 1,
      settings,
      recent: [dm(2), dm(3)],
      recovered: true,
    });
    gw.io.to('r1').emit('danmaku:batch', { roomId: 'r1', items: [dm(3), dm(4)] });
    await eventually(() => expect(seen).toEqual([1, 2, 3, 4]));
    expect(gw.joins.at(-1)).toEqual({ roomId: 'r1', sinceSeq: 1 });
  });
});

describe('randomId', () => {
  it('is a v4 UUID, also without crypto.randomUUID (plain-http pages)', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(randomId()).toMatch(uuid);
    const spy = jest.spyOn(globalThis.crypto, 'randomUUID').mockImplementation(undefined as never);
    Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const a = randomId();
      expect(a).toMatch(uuid);
      expect(randomId()).not.toBe(a);
    } finally {
      spy.mockRestore();
      delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID;
    }
    expect(randomId()).toMatch(uuid);
  });
});
