/**
 * A minimal Socket.IO v4 client (Engine.IO v4 over a plain WebSocket, no polling) for load
 * generation. socket.io-client JSON-parses every frame for every socket; at a million
 * deliveries a second that alone would saturate the generator and measure the generator
 * instead of the server. This client hands each event frame to the caller as the raw
 * Buffer, so delivered danmaku can be counted by scanning bytes. Acks are parsed normally.
 *
 * The server cannot tell it from socket.io-client: same handshake (`0` open → `40{auth}`
 * connect → `40{sid}`), same heartbeat (`2` ping → `3` pong), same packet encoding.
 */
import { WebSocket } from 'ws';

export interface LiteClientOptions {
  /** http://host:port of the Socket.IO server (path /socket.io). */
  url: string;
  /** Source address to connect from (e.g. 127.0.0.5), spreading ephemeral ports. */
  localAddress?: string;
  /** The handshake's `auth` payload (e.g. `{ token }`). */
  auth?: Record<string, unknown>;
  timeoutMs?: number;
}

/** Called for every server event frame: the whole `42[...]` packet, undecoded. */
export type FrameHandler = (frame: Buffer) => void;

const CH_0 = 0x30; // '0'
const CH_1 = 0x31;
const CH_2 = 0x32;
const CH_3 = 0x33;
const CH_4 = 0x34;

export class LiteClient {
  private nextAckId = 0;
  private readonly acks = new Map<number, { resolve: (v: unknown) => void; timer: NodeJS.Timeout }>();
  private closedReason: string | null = null;
  onFrame: FrameHandler | null = null;
  onClose: ((reason: string) => void) | null = null;

  private constructor(private readonly ws: WebSocket) {}

  static connect(opts: LiteClientOptions): Promise<LiteClient> {
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const wsUrl = `${opts.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(wsUrl, {
        localAddress: opts.localAddress,
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: timeoutMs,
      });
      const client = new LiteClient(ws);
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        reject(new Error(why));
      };
      const timer = setTimeout(() => fail('connect timeout'), timeoutMs);
      ws.on('error', (e) => fail(`ws error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      ws.on('close', (code) => {
        fail(`closed during handshake (${code})`);
        client.handleClose(`closed (${code})`);
      });
      ws.on('message', (data: Buffer) => {
        if (settled) return client.handle(data);
        // Handshake: Engine.IO open, then the Socket.IO CONNECT answer.
        if (data[0] === CH_0) {
          ws.send(`40${JSON.stringify(opts.auth ?? {})}`);
        } else if (data[0] === CH_2 && data.length === 1) {
          ws.send('3');
        } else if (data[0] === CH_4 && data[1] === CH_0) {
          settled = true;
          clearTimeout(timer);
          resolve(client);
        } else if (data[0] === CH_4 && data[1] === CH_4) {
          let message = 'connect_error';
          try {
            message = String((JSON.parse(data.subarray(2).toString()) as { message?: unknown }).message);
          } catch {
            // keep the generic reason
          }
          fail(message);
        }
      });
    });
  }

  get connected(): boolean {
    return this.closedReason === null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Pending acks (sends not answered yet). */
  get inflight(): number {
    return this.acks.size;
  }

  /** Sends `42<id>[event, payload]` and resolves with the ack's first argument (or rejects on timeout/close). */
  emitWithAck(event: string, payload: unknown, timeoutMs = 10_000): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (!this.connected) return reject(new Error(this.closedReason ?? 'not connected'));
      const id = this.nextAckId++;
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error('ack timeout'));
      }, timeoutMs);
      this.acks.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        timer,
      });
      this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  close(): void {
    this.handleClose('closed by client');
    this.ws.terminate();
  }

  private handle(data: Buffer): void {
    const type = data[0];
    if (type === CH_4) {
      const sub = data[1];
      if (sub === CH_2) {
        this.onFrame?.(data);
      } else if (sub === CH_3) {
        let i = 2;
        let id = 0;
        while (i < data.length && data[i] >= CH_0 && data[i] <= 0x39) id = id * 10 + (data[i++] - CH_0);
        const pending = this.acks.get(id);
        if (!pending) return;
        this.acks.delete(id);
        let value: unknown;
        try {
          value = (JSON.parse(data.subarray(i).toString()) as unknown[])[0];
        } catch {
          value = { ok: false, error: { code: 'BAD_ACK' } };
        }
        pending.resolve(value);
      } else if (sub === CH_1) {
        this.handleClose('disconnected by server');
        this.ws.terminate();
      }
    } else if (type === CH_2) {
      this.ws.send('3');
    } else if (type === CH_1) {
      this.handleClose('engine closed by server');
      this.ws.terminate();
    }
  }

  private handleClose(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    for (const [, p] of this.acks) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: { code: 'DISCONNECTED', message: reason } });
    }
    this.acks.clear();
    this.onClose?.(reason);
  }
}
