import { randomUUID } from 'node:crypto';
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
import { SeqTracker } from './seq-tracker';

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
  ) {
    super(message);
    this.name = 'DanmakuClientError';
  }
}

/**
 * A viewer/sender client over Socket.IO that survives network blips: it reconnects,
 * rejoins its rooms with the last seq it saw, delivers every danmaku once and in order,
 * and resends unacknowledged messages with their nonce so none is created twice.
 * @example
 * const client = new DanmakuClient({ url, token, onDanmaku: (room, items) => render(items) });
 * await client.connect();
 * await client.join('lobby');
 * await client.send({ roomId: 'lobby', text: '233' });
 */
export class DanmakuClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly rooms = new Map<string, SeqTracker>();

  constructor(private readonly options: DanmakuClientOptions) {
    this.socket = io(options.url, {
      transports: ['websocket'],
      reconnectionDelay: 200,
      reconnectionDelayMax: 5000,
      ...options.socketOptions,
      autoConnect: false,
      auth: (cb) => void Promise.resolve(this.token()).then((token) => cb({ token })),
    });
    this.socket.on('danmaku:batch', ({ roomId, items }) => this.onBatch(roomId, items));
    this.socket.on('danmaku:rejected', (e) => options.onRejected?.(e));
    this.socket.on('danmaku:retract', ({ roomId, ids }) => options.onRetract?.(roomId, ids));
    this.socket.on('room:settings', ({ roomId, settings }) => options.onSettings?.(roomId, settings));
    this.socket.on('notice', (e) => {
      options.onNotice?.(e);
      if (e.code === 'TOKEN_EXPIRED' && typeof options.token === 'function') void this.refreshToken();
    });
    // After a reconnect, rejoin every room from where this client left off.
    this.socket.io.on('reconnect', () => {
      for (const roomId of this.rooms.keys()) void this.rejoin(roomId);
    });
  }

  connect(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new DanmakuClientError('TIMEOUT', 'connect timed out')), timeoutMs);
      this.socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.once('connect_error', (err) => {
        clearTimeout(timer);
        reject(new DanmakuClientError(err.message, `connect failed: ${err.message}`));
      });
      this.socket.connect();
    });
  }

  /** Joins a room; its `recent` danmaku are delivered through onDanmaku. */
  async join(roomId: string): Promise<RoomJoinAck> {
    const tracker = this.rooms.get(roomId) ?? new SeqTracker();
    this.rooms.set(roomId, tracker);
    const ack = unwrap(await this.socket.timeout(this.ackTimeout()).emitWithAck('room:join', { roomId }));
    this.deliver(roomId, tracker.resolveGap(ack.recent));
    return ack;
  }

  async leave(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
    unwrap(await this.socket.timeout(this.ackTimeout()).emitWithAck('room:leave', { roomId }));
  }

  /** Sends a danmaku; retried with the same nonce on timeouts and reconnects, so it exists once. */
  async send(payload: DanmakuSendPayload): Promise<{ id: string }> {
    const withNonce = { ...payload, nonce: payload.nonce ?? randomUUID() };
    const attempts = this.options.sendAttempts ?? 5;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
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
    throw last instanceof Error ? last : new DanmakuClientError('UNAVAILABLE', 'send failed');
  }

  /** The highest seq delivered for a room. */
  lastSeq(roomId: string): number {
    return this.rooms.get(roomId)?.lastSeq ?? 0;
  }

  close(): void {
    this.socket.close();
  }

  private onBatch(roomId: string, items: Danmaku[]): void {
    const tracker = this.rooms.get(roomId);
    if (!tracker) return;
    const { deliver, gap } = tracker.live(items);
    this.deliver(roomId, deliver);
    if (gap) void this.rejoin(roomId);
  }

  private async rejoin(roomId: string): Promise<void> {
    const tracker = this.rooms.get(roomId);
    if (!tracker) return;
    try {
      const ack = unwrap(
        await this.socket.timeout(this.ackTimeout()).emitWithAck('room:join', { roomId, sinceSeq: tracker.lastSeq }),
      );
      if (!ack.recovered) this.options.onResync?.(roomId);
      this.deliver(roomId, tracker.resolveGap(ack.recent));
    } catch {
      // Disconnected again: the next reconnect rejoins.
    }
  }

  private deliver(roomId: string, items: Danmaku[]): void {
    if (items.length > 0) this.options.onDanmaku?.(roomId, items);
  }

  private async refreshToken(): Promise<void> {
    const token = await this.token();
    await this.socket.timeout(this.ackTimeout()).emitWithAck('auth:refresh', { token }).catch(() => undefined);
  }

  private token(): string | Promise<string> {
    return typeof this.options.token === 'function' ? this.options.token() : this.options.token;
  }

  private ackTimeout(): number {
    return this.options.ackTimeoutMs ?? 5000;
  }

  private waitForConnect(): Promise<void> {
    return new Promise((resolve) => this.socket.once('connect', () => resolve()));
  }
}

function unwrap<T>(ack: Ack<T>): T {
  if (ack.ok) return ack;
  throw new DanmakuClientError(ack.error.code, ack.error.message, ack.error.retryAfterMs);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
