import { Injectable } from '@nestjs/common';
import type { ViewerServer } from './socket-data';

/**
 * Holds the Socket.IO server once the gateway is initialised, so services and consumers
 * can emit without depending on the gateway class.
 */
@Injectable()
export class SocketServerRef {
  private server?: ViewerServer;

  set(server: ViewerServer): void {
    this.server = server;
  }

  get io(): ViewerServer {
    if (!this.server) throw new Error('Socket.IO server is not initialised yet');
    return this.server;
  }

  get ready(): boolean {
    return this.server !== undefined;
  }
}
