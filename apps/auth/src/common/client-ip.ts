import { isIPv4, isIPv6 } from 'node:net';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * The address rate limits are keyed by. `req.ip` honours Express `trust proxy`
 * (TRUST_PROXY; off by default, so it is the socket peer and X-Forwarded-For is ignored).
 */
export const ClientIp = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return clientKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
});

/**
 * Normalises an address into a rate-limit key: IPv4-mapped IPv6 becomes plain IPv4, and
 * IPv6 is reduced to its /64, because one subscriber usually holds a whole /64 and could
 * otherwise rotate through addresses to dodge per-address limits.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (isIPv4(address)) return address;
  const bare = address.split('%')[0]; // zone id (fe80::1%eth0)
  if (!isIPv6(bare)) return address;
  const groups = expandIpv6(bare);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  // A trailing dotted IPv4 part (::1.2.3.4) stands for the last two groups.
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  const groups = tail === undefined ? left : [...left, ...Array<string>(missing).fill('0'), ...right];
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}
