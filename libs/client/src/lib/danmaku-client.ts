import { io, type Socket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type {
  Ack,
  ClientToServerEvents,
  Danmaku,
  DanmakuRejectedEvent,
  DanmakuSendPayload,
  NoticeEvent,
  RoomJoinAck,
  RoomSettings,
  ServerToClientEvents,
} from '@danmaku/contracts';
import { randomId } from './random-id';
import { SeqTracker } from './seq-tracker';
import { TypedEmitter } from './typed-emitter';

/** `connecting` (first connect or reconnecting), `connected`, `disconnected` (closed, refused or gave up). */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/** What `client.on(event, listener)` delivers; the same facts as the `on…` callbacks. */
export type DanmakuClientEvents = {
  /** A room's danmaku, exactly once each and in seq order. */
  danmaku: [roomId: string, items: Danmaku[]];
  /** Danmaku removed by a moderator: drop them from the screen. */
  retract: [roomId: string, ids: string[]];
  notice: [notice: NoticeEvent];
  /** A message this client sent was refused by moderation. */
  rejected: [event: DanmakuRejectedEvent];
  settings: [roomId: string, settings: RoomSettings];
  online: [roomId: string, count: number];
  /** A reconnect could not recover everything missed: refetch history (e.g. from replay). */
  resync: [roomId: string];
  /** The connection changed state; `error` says why it is `disconnected`, when known. */
  state: [state: ConnectionState, error?: DanmakuClientError];
  /** The client is no longer in a room it had joined (rejoin refused, banned): it will not retry. */
  left: [roomId: string, error: DanmakuClientError];
};

export interface DanmakuClientOptions {
  url: string;
  /** An access token, or a function that returns a fresh one (used on reconnect and on expiry). */
  token: string | (() => string | Promise<string>);
  /** Called with a room's danmaku, exactly once each and in seq order. */
  onDanmaku?: (roomId: string, items: Danmaku[]) => void;
  /** A reconnect could not recover everything missed: refetch history (e.g. from replay). */
  onResync?: (roomId: string) => void;
  onRejected?: (e: DanmakuRejectedEvent) => void;
  onNotice?: (e: NoticeEvent) => void;
  onSettings?: (roomId: string, settings: RoomSettings) => void;
  onRetract?: (roomId: string, ids: string[]) => void;
  /** How long a send waits for its ack before it is retried (same nonce). */
  ackTimeoutMs?: number;
  /** Sends are retried (with the same nonce) this many times across reconnects. */
  sendAttempts?: number;
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

export class DanmakuClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DanmakuClientError';
  }
}

/** Join refusals that a retry cannot fix: the client leaves the room instead of retrying. */
const TRANSIENT_JOIN_ERRORS = new Set(['UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL', 'TIMEOUT']);

/**
 * A viewer/sender client over Socket.IO, for browsers and Node, that survives network blips:
 * it reconnects, rejoins its rooms with the last seq it saw, delivers every danmaku once and
 * in order, and resends unacknowledged messages with their nonce so none is created twice.
 * @example
 * const client = new DanmakuClient({ url, token });
 * client.on('danmaku', (room, items) => render(items));
 * client.on('state', (state) => badge.textContent = state);
 * await client.connect();
 * await client.join('lobby');
 * await client.send({ roomId: 'lobby', text: '233' });
 */
export class DanmakuClient extends TypedEmitter<DanmakuClientEvents> {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly rooms = new Map<string, SeqTracker>();
  private currentState: ConnectionState = 'disconnected';
  private closed = false;
  /** Handshakes answered UNAVAILABLE in a row (the gateway could not check the token). */
  private outageRetries = 0;
  private outageTimer?: ReturnType<typeof setTimeout>;
  /** Sends waiting for a connection; settled with CLOSED by close(). */
  private readonly waiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();

  constructor(private readonly options: DanmakuClientOptions) {
    super();
    this.socket = io(options.url, {
      transports: ['websocket'],
      reconnectionDelay: 200,
      reconnectionDelayMax: 5000,
      ...options.socketOptions,
      autoConnect: false,
      auth: (cb) =>
        void Promise.resolve(this.token()).then(
          (token) => cb({ token }),
          () => cb({ token: '' }), // the server answers UNAUTHORIZED: surfaces as connect_error
        ),
    });
    const s = this.socket;
    s.on('danmaku:batch', ({ roomId, items, epoch }) => this.onBatch(roomId, items, epoch));
    s.on('danmaku:rejected', (e) => this.fire('rejected', options.onRejected, e));
    s.on('danmaku:retract', ({ roomId, ids }) => this.fire('retract', options.onRetract, roomId, ids));
    s.on('room:settings', ({ roomId, settings }) =>
      this.fire('settings', options.onSettings, roomId, settings),
    );
    s.on('room:online', ({ roomId, count }) => this.emit('online', roomId, count));
    s.on('notice', (e) => this.onNotice(e));
    s.on('connect', () => {
      this.outageRetries = 0;
      this.setState('connected');
      for (const w of [...this.waiters]) w.resolve();
      // After a reconnect, rejoin every room from where this client left off. (Not on the manager's
      // `reconnect`: it fires before the namespace is connected, when emits would only be buffered.)
      for (const roomId of this.rooms.keys()) void this.rejoin(roomId);
    });
    s.on('disconnect', () => this.setState(s.active ? 'connecting' : 'disconnected'));
    s.on('connect_error', (err) => {
      if (s.active) return; // a network failure: Socket.IO retries
      if (err.message === 'UNAVAILABLE' && !this.closed) {
        // The gateway could not check the token (Redis or the key set away): an outage, not a
        // verdict on the token. Socket.IO does not retry a handshake the server refused, so we do.
        const delay = Math.min(5000, 500 * 2 ** this.outageRetries++);
        this.setState('connecting');
        clearTimeout(this.outageTimer);
        this.outageTimer = setTimeout(() => {
          if (!this.closed && !s.connected) s.connect();
        }, delay);
        return;
      }
      const error = new DanmakuClientError(err.message, `connect refused: ${err.message}`);
      this.setState('disconnected', error);
      for (const w of [...this.waiters]) w.reject(error); // a send would wait forever otherwise
    });
    s.io.on('reconnect_attempt', () => this.setState('connecting'));
    s.io.on('reconnect_failed', () =>
      this.setState('disconnected', new DanmakuClientError('UNAVAILABLE', 'gave up reconnecting')),
    );
  }

  /** The connection's state now; `on('state')` tells each change. */
  get state(): ConnectionState {
    return this.currentState;
  }

  /** Rooms this client is in (and rejoins after a reconnect). */
  get joinedRooms(): string[] {
    return [...this.rooms.keys()];
  }

  /**
   * Connects, retrying network failures (with Socket.IO's backoff) until `timeoutMs`. A refusal
   * by the server (`UNAUTHORIZED`) rejects at once — after one retry with a fresh token when
   * `token` is a function. Once connected, the socket keeps reconnecting by itself.
   */
  connect(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return Promise.reject(new DanmakuClientError('CLOSED', 'client is closed'));
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let lastError: Error | undefined;
      let refreshed = typeof this.options.token !== 'function';
      const cleanup = () => {
        clearTimeout(timer);
        this.socket.off('connect', onConnect);
        this.socket.off('connect_error', onError);
      };
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const onError = (err: Error) => {
        lastError = err;
        if (this.socket.active) return; // a network failure: Socket.IO tries again with backoff
        if (err.message === 'UNAVAILABLE') return; // an outage: retried with backoff (above), until the timeout
        if (!refreshed) {
          refreshed = true; // refused: perhaps an expired token; the auth callback fetches a fresh one
          this.setState('connecting');
          this.socket.connect();
          return;
        }
        cleanup();
        reject(new DanmakuClientError(err.message, `connect refused: ${err.message}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        this.socket.disconnect();
        const why = lastError ? `: ${lastError.message}` : '';
        const error = new DanmakuClientError('TIMEOUT', `connect timed out after ${timeoutMs} ms${why}`);
        this.setState('disconnected', error);
        reject(error);
      }, timeoutMs);
      this.socket.on('connect', onConnect);
      this.socket.on('connect_error', onError);
      this.setState('connecting');
      this.socket.connect();
    });
  }

  /** Joins a room; its `recent` danmaku are delivered through `danmaku`. A refusal rejects and is not retried. */
  async join(roomId: string): Promise<RoomJoinAck> {
    const known = this.rooms.get(roomId);
    const tracker = known ?? new SeqTracker();
    this.rooms.set(roomId, tracker);
    let ack: RoomJoinAck;
    try {
      ack = unwrap(await this.socket.timeout(this.ackTimeout()).emitWithAck('room:join', { roomId }));
    } catch (e) {
      if (!known) this.rooms.delete(roomId);
      throw toClientError(e);
    }
    this.emit('online', roomId, ack.online);
    this.emit('settings', roomId, ack.settings);
    if (tracker.enterEpoch(ack.epoch)) this.fire('resync', this.options.onResync, roomId);
    this.deliver(roomId, tracker.resolveGap(ack.recent));
    return ack;
  }

  async leave(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
    unwrap(await this.socket.timeout(this.ackTimeout()).emitWithAck('room:leave', { roomId }));
  }

  /**
   * Sends a danmaku; retried with the same nonce on timeouts and reconnects, so it exists once.
   * Rejects with the server's code (`MUTED`, `SLOW_MODE` with `retryAfterMs`…), or `CLOSED` when
   * `close()` is called while it waits.
   */
  async send(payload: DanmakuSendPayload): Promise<{ id: string }> {
    const withNonce = { ...payload, nonce: payload.nonce ?? randomId() };
    const attempts = this.options.sendAttempts ?? 5;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      if (this.closed)
        throw new DanmakuClientError('CLOSED', 'client closed before the send was acknowledged');
      if (!this.socket.connected) await this.waitForConnect();
      try {
        const ack = await this.socket.timeout(this.ackTimeout()).emitWithAck('danmaku:send', withNonce);
        if (!ack.ok && ack.error.code === 'UNAVAILABLE') {
          last = new DanmakuClientError(ack.error.code, ack.error.message);
          await sleep(200 * (i + 1));
          continue;
        }
        return unwrap(ack);
      } catch (e) {
        if (e instanceof DanmakuClientError) throw e;
        last = e; // ack timeout or disconnect: try again with the same nonce
      }
    }
    if (this.closed) throw new DanmakuClientError('CLOSED', 'client closed before the send was acknowledged');
    throw last instanceof DanmakuClientError ? last : new DanmakuClientError('UNAVAILABLE', 'send failed');
  }

  /** The highest seq delivered for a room. */
  lastSeq(roomId: string): number {
    return this.rooms.get(roomId)?.lastSeq ?? 0;
  }

  /** Disconnects for good; sends still waiting reject with `CLOSED`. */
  close(): void {
    this.closed = true;
    clearTimeout(this.outageTimer);
    this.socket.close();
    const error = new DanmakuClientError('CLOSED', 'client closed before the send was acknowledged');
    for (const w of [...this.waiters]) w.reject(error);
    this.setState('disconnected');
  }

  private onNotice(e: NoticeEvent): void {
    // A ban removes the socket from the room on the server: do not rejoin it after a reconnect.
    if (e.code === 'BANNED' && e.roomId && this.rooms.delete(e.roomId))
      this.emit('left', e.roomId, new DanmakuClientError('BANNED', e.message));
    this.fire('notice', this.options.onNotice, e);
    if (e.code === 'TOKEN_EXPIRED' && typeof this.options.token === 'function') void this.refreshToken();
  }

  private onBatch(roomId: string, items: Danmaku[], epoch?: string): void {
    const tracker = this.rooms.get(roomId);
    if (!tracker) return;
    // A new epoch: the room's seqs restarted; take them from here and tell the app to refetch.
    if (tracker.enterEpoch(epoch)) this.fire('resync', this.options.onResync, roomId);
    const { deliver, gap } = tracker.live(items);
    this.deliver(roomId, deliver);
    if (gap) void this.rejoin(roomId);
  }

  /** Rejoins after a reconnect or a gap: transient failures retried a few times, refusals end it. */
  private async rejoin(roomId: string, attempt = 0): Promise<void> {
    const tracker = this.rooms.get(roomId);
    if (!tracker || !this.socket.connected) return; // the next reconnect rejoins
    let ack: RoomJoinAck;
    try {
      ack = unwrap(
        await this.socket
          .timeout(this.ackTimeout())
          .emitWithAck('room:join', { roomId, sinceSeq: tracker.lastSeq }),
      );
    } catch (e) {
      const error = toClientError(e);
      if (!this.rooms.has(roomId)) return;
      if (TRANSIENT_JOIN_ERRORS.has(error.code)) {
        if (attempt < 3 && this.socket.connected) {
          await sleep(error.retryAfterMs ?? 250 * 2 ** attempt);
          return this.rejoin(roomId, attempt + 1);
        }
        return; // still failing: the next reconnect tries again
      }
      this.rooms.delete(roomId);
      this.emit('left', roomId, error);
      return;
    }
    const newEpoch = tracker.enterEpoch(ack.epoch);
    if (!ack.recovered || newEpoch) this.fire('resync', this.options.onResync, roomId);
    this.emit('online', roomId, ack.online);
    this.deliver(roomId, tracker.resolveGap(ack.recent));
  }

  private deliver(roomId: string, items: Danmaku[]): void {
    if (items.length > 0) this.fire('danmaku', this.options.onDanmaku, roomId, items);
  }

  /** Emits an event and calls the matching constructor callback. */
  private fire<K extends keyof DanmakuClientEvents>(
    event: K,
    callback: ((...args: DanmakuClientEvents[K]) => void) | undefined,
    ...args: DanmakuClientEvents[K]
  ): void {
    callback?.(...args);
    this.emit(event, ...args);
  }

  private setState(state: ConnectionState, error?: DanmakuClientError): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emit('state', state, error);
  }

  private async refreshToken(): Promise<void> {
    const token = await this.token();
    await this.socket
      .timeout(this.ackTimeout())
      .emitWithAck('auth:refresh', { token })
      .catch(() => undefined);
  }

  private token(): string | Promise<string> {
    return typeof this.options.token === 'function' ? this.options.token() : this.options.token;
  }

  private ackTimeout(): number {
    return this.options.ackTimeoutMs ?? 5000;
  }

  private waitForConnect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          this.waiters.delete(waiter);
          resolve();
        },
        reject: (e: Error) => {
          this.waiters.delete(waiter);
          reject(e);
        },
      };
      this.waiters.add(waiter);
      if (!this.socket.active && !this.closed) this.socket.connect();
    });
  }
}

function unwrap<T>(ack: Ack<T>): T {
  if (ack.ok) return ack;
  throw new DanmakuClientError(ack.error.code, ack.error.message, ack.error.retryAfterMs, ack.error.details);
}

function toClientError(e: unknown): DanmakuClientError {
  if (e instanceof DanmakuClientError) return e;
  // socket.io's ack timeout ("operation has timed out") or "socket has been disconnected".
  return new DanmakuClientError('TIMEOUT', e instanceof Error ? e.message : String(e));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
