import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@danmaku/contracts';

export type ViewerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects a real socket.io-client; rejects with the server's `connect_error` message. */
export function connectViewer(
  url: string,
  token: string | undefined,
  timeoutMs = 5000,
): Promise<ViewerSocket> {
  const socket: ViewerSocket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('connect timeout'));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
  });
}

/** Emits a command and resolves with its ack. */
export async function emitAck<T = any>(
  socket: Socket<any, any>,
  event: string,
  payload: unknown,
  timeoutMs = 5000,
): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

/** Records every payload of an event, for assertions with expectEventually. */
export function recordEvents<T = any>(socket: Socket<any, any>, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** The next payload of an event that matches. */
export function nextEvent<T = any>(
  socket: Socket<any, any>,
  event: string,
  match: (payload: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const handler = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no '${event}' within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event, handler);
  });
}
