import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import express from 'express';
import { Counter, Registry } from 'prom-client';
import type { Socket } from 'socket.io';
import { AddressConnectionLimit, handshakeAddressResolver } from './address-connection-limit';

function handshake(remoteAddress: string, xff?: string) {
  const conn = new EventEmitter();
  const request = {
    headers: xff ? { 'x-forwarded-for': xff } : {},
    socket: { remoteAddress },
  } as unknown as IncomingMessage;
  return { socket: { request, conn } as unknown as Socket, close: () => conn.emit('close') };
}

describe('handshakeAddressResolver', () => {
  it('honours X-Forwarded-For only from trusted proxies, by the app’s trust proxy setting', () => {
    const app = express();
    app.set('trust proxy', ['loopback']);
    const addressOf = handshakeAddressResolver(app.request);
    expect(addressOf(handshake('127.0.0.1', '203.0.113.7').socket.request)).toBe('203.0.113.7');
    expect(addressOf(handshake('198.51.100.1', '203.0.113.7').socket.request)).toBe('198.51.100.1');
    expect(addressOf(handshake('::ffff:198.51.100.2').socket.request)).toBe('198.51.100.2');
    expect(addressOf(handshake('2001:db8:1:2:3:4:5:6').socket.request)).toBe('2001:db8:1:2::/64');
  });

  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    const app = express();
    app.set('trust proxy', false);
    expect(handshakeAddressResolver(app.request)(handshake('127.0.0.1', '203.0.113.7').socket.request)).toBe(
      '127.0.0.1',
    );
  });
});

describe('AddressConnectionLimit', () => {
  it('refuses the connection over the cap with TOO_MANY_CONNECTIONS and frees a slot on close', () => {
    const refused = new Counter({ name: 'refused_total', help: 'x', registers: [new Registry()] });
    const limit = new AddressConnectionLimit(2, (req) => req.socket.remoteAddress ?? '', refused);
    const results: (Error | undefined)[] = [];
    const a1 = handshake('10.0.0.1');
    const a2 = handshake('10.0.0.1');
    limit.middleware(a1.socket, (e) => results.push(e));
    limit.middleware(a2.socket, (e) => results.push(e));
    limit.middleware(handshake('10.0.0.1').socket, (e) => results.push(e));
    limit.middleware(handshake('10.0.0.2').socket, (e) => results.push(e));
    expect(results.map((e) => e?.message)).toEqual([undefined, undefined, 'TOO_MANY_CONNECTIONS', undefined]);
    expect(limit.countOf('10.0.0.1')).toBe(2);
    a1.close();
    expect(limit.countOf('10.0.0.1')).toBe(1);
    limit.middleware(handshake('10.0.0.1').socket, (e) => results.push(e));
    expect(results[4]).toBeUndefined();
  });
});
