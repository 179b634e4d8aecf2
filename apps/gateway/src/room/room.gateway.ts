import { Inject } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayDisconnect, type OnGatewayInit } from '@nestjs/websockets';
import type { Logger } from 'pino';
import {
  CLIENT_COMMANDS,
  authRefreshPayloadSchema,
  danmakuSendPayloadSchema,
  liveRoom,
  roomIdOfLiveRoom,
  roomJoinPayloadSchema,
  roomLeavePayloadSchema,
  type AuthRefreshAck,
  type DanmakuSendAck,
  type RoomJoinAck,
  type RoomLeaveAck,
} from '@danmaku/contracts';
import { APP_LOGGER, DomainException, MetricsService, parseInput } from '@danmaku/platform';
import { DanmakuService } from '../danmaku/danmaku.service';
import { RoomFanoutService } from '../fanout/room-fanout.service';
import { ConnectionAuth } from '../socket/connection-auth';
import { authSessionRoom, userRoom, type ViewerServer, type ViewerSocket } from '../socket/socket-data';
import { SocketLimits } from '../socket/socket-limits';
import { SocketServerRef } from '../socket/socket-server.ref';
import { SocketCommands, type CommandHandler } from '../socket/socket-commands';
import { PresenceService } from '../presence/presence.service';
import { TokenExpiryService } from '../session/token-expiry.service';
import { RoomService } from './room.service';

/**
 * The viewer-facing edge: authenticates the handshake, then validates each command,
 * calls one service method and acks the result. Commands are dispatched by one middleware
 * per socket (SocketCommands), not by `@SubscribeMessage` handlers: Nest's per-message
 * pipeline cost more than most commands themselves.
 */
@WebSocketGateway()
export class RoomGateway implements OnGatewayInit, OnGatewayDisconnect {
  private readonly connections;
  /** Every client command (CLIENT_COMMANDS, all of them: checked by the compiler) and its handler. */
  private readonly handlers: ReadonlyMap<string, CommandHandler> = new Map(
    Object.entries({
      'room:join': (socket, body) => this.join(socket, body),
      'room:leave': (socket, body) => this.leave(socket, body),
      'danmaku:send': (socket, body) => this.send(socket, body),
      'auth:refresh': (socket, body) => this.refresh(socket, body),
    } satisfies Record<keyof typeof CLIENT_COMMANDS, CommandHandler>),
  );
  /** Per socket: settles when its latest message was handed to the publisher (keeps send order). */
  private readonly sendTurns = new WeakMap<ViewerSocket, Promise<void>>();

  constructor(
    private readonly auth: ConnectionAuth,
    private readonly rooms: RoomService,
    private readonly danmaku: DanmakuService,
    private readonly fanout: RoomFanoutService,
    private readonly serverRef: SocketServerRef,
    private readonly presence: PresenceService,
    private readonly expiry: TokenExpiryService,
    private readonly limits: SocketLimits,
    private readonly commands: SocketCommands,
    @Inject(APP_LOGGER) private readonly logger: Logger,
    metrics: MetricsService,
  ) {
    this.connections = metrics.gauge('gateway_connections', 'Open Socket.IO connections on this instance');
  }

  afterInit(server: ViewerServer): void {
    this.serverRef.set(server);
    server.use((socket, next) => {
      this.auth.authenticate(socket.handshake.auth?.['token']).then(
        (principal) => {
          socket.data.principal = principal;
          RoomGateway.dropHandshakeLeftovers(socket);
          void socket.join([userRoom(principal.userId), authSessionRoom(principal.sessionId)]);
          this.connections.inc();
          this.expiry.watch(socket);
          // Every incoming packet is a command answered here; no event listener is needed.
          socket.use((packet) => this.commands.dispatch(socket, packet, this.handlers));
          // Rooms are gone by the time 'disconnect' fires: note them while still known.
          socket.on('disconnecting', () =>
            RoomGateway.liveRoomsOf(socket).forEach((r) => this.presence.markDirty(r)),
          );
          next();
        },
        (err: unknown) => {
          // A bad, expired or revoked token reads UNAUTHORIZED (log in again); a token we
          // could not check (Redis or the key set away) reads UNAVAILABLE (retry).
          const outage = !(err instanceof DomainException) || err.code === 'UNAVAILABLE';
          if (outage) this.logger.warn({ err: String(err) }, 'handshake token could not be checked');
          next(new Error(outage ? 'UNAVAILABLE' : 'UNAUTHORIZED'));
        },
      );
    });
  }

  /**
   * Once the principal is known, what the handshake carried is dead weight for the socket's
   * whole life: the token, and the HTTP upgrade request (its raw headers and stream state,
   * ~2 KB a socket; Socket.IO's own memory advice). `socket.handshake` keeps the parsed
   * headers and the address; nothing later reads `socket.request`.
   */
  private static dropHandshakeLeftovers(socket: ViewerSocket): void {
    delete (socket.handshake.auth as Record<string, unknown>)['token'];
    (socket.conn as unknown as { request: unknown }).request = null;
  }

  handleDisconnect(socket: ViewerSocket): void {
    if (!socket.data.principal) return;
    this.connections.dec();
    this.limits.forget(socket.id);
  }

  async join(socket: ViewerSocket, body: unknown): Promise<RoomJoinAck> {
    await this.limits.roomCommand(socket.id);
    const payload = parseInput(roomJoinPayloadSchema, body);
    this.rooms.checkRoomCap(RoomGateway.liveRoomsOf(socket), payload.roomId);
    await this.rooms.admit(payload.roomId, socket.data.principal.userId);
    // Join and read the broadcast mark in one tick: nothing can be broadcast in between.
    const joining = socket.join(liveRoom(payload.roomId));
    const upTo = this.fanout.broadcastMark(payload.roomId);
    await joining;
    return this.rooms.joined(payload, upTo);
  }

  async leave(socket: ViewerSocket, body: unknown): Promise<RoomLeaveAck> {
    await this.limits.roomCommand(socket.id);
    const { roomId } = parseInput(roomLeavePayloadSchema, body);
    await socket.leave(liveRoom(roomId));
    await this.rooms.left(roomId);
    return {};
  }

  async send(socket: ViewerSocket, body: unknown): Promise<DanmakuSendAck> {
    const payload = parseInput(danmakuSendPayloadSchema, body);
    const previous = this.sendTurns.get(socket) ?? Promise.resolve();
    let handedOver!: () => void;
    this.sendTurns.set(socket, new Promise<void>((r) => (handedOver = r)));
    return this.danmaku.send(
      {
        principal: socket.data.principal,
        socketId: socket.id,
        joined: socket.rooms.has(liveRoom(payload.roomId)),
        turn: { previous, handedOver },
      },
      payload,
    );
  }

  async refresh(socket: ViewerSocket, body: unknown): Promise<AuthRefreshAck> {
    const { token } = parseInput(authRefreshPayloadSchema, body);
    return this.expiry.refresh(socket, token);
  }

  /** Rooms (by roomId) a socket is in. */
  private static liveRoomsOf(socket: ViewerSocket): string[] {
    return [...socket.rooms].map(roomIdOfLiveRoom).filter((r): r is string => r !== null);
  }
}
