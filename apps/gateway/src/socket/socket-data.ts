import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, Principal, ServerToClientEvents } from '@danmaku/contracts';

/** What the gateway keeps on each socket once its token is verified. */
export interface SocketData {
  principal: Principal;
}

export type ViewerSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export type ViewerServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** Socket.IO room holding every socket opened with one auth session, on every instance. */
export function authSessionRoom(sessionId: string): string {
  return `sid:${sessionId}`;
}

/** Socket.IO room holding every socket of one user, on every instance. */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}
