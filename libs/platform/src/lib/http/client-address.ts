import { isIPv4, isIPv6 } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request } from 'express';
import { z } from 'zod';
import { ConfigError } from '../config/config';

/**
 * Which peers may tell us the client's address in `X-Forwarded-For` (Express `trust proxy`):
 * `false` (default: the client is the TCP peer, XFF is ignored), a comma list of proxy
 * addresses/subnets/names such as `loopback, 10.0.0.0/8` (XFF is read right to left and
 * stops at the first untrusted hop), a hop count, or `true` (the left-most XFF entry,
 * only where nothing but the proxy can reach the app).
 */
export const trustProxyVar = z
  .string()
  .default('false')
  .transform((raw, ctx): boolean | number | string[] => {
    const v = raw.trim();
    if (v === 'false' || v === '0' || v === '') return false;
    if (v === 'true') return true;
    if (/^\d+$/.test(v)) return Number(v);
    const list = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (list.every((s) => /^[0-9A-Za-z.:/_-]+$/.test(s))) return list;
    ctx.addIssue({
      code: 'custom',
      message: 'must be false, true, a hop count or a comma list of addresses/subnets',
    });
    return z.NEVER;
  });
export type TrustedProxies = z.infer<typeof trustProxyVar>;

/**
 * Reads `TRUSTED_PROXIES` (every app alike); `TRUST_PROXY`, auth's older name for it, is
 * still honoured when `TRUSTED_PROXIES` is unset.
 * @example
 * loadTrustedProxies({ TRUSTED_PROXIES: 'loopback, 10.0.0.0/8' }) // ['loopback', '10.0.0.0/8']
 */
export function loadTrustedProxies(env: NodeJS.ProcessEnv = process.env): TrustedProxies {
  const name = env['TRUSTED_PROXIES'] !== undefined ? 'TRUSTED_PROXIES' : 'TRUST_PROXY';
  const parsed = trustProxyVar.safeParse(env[name]);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((i) => `${name}: ${i.message}`));
}

/** Makes `req.ip` honour X-Forwarded-For from the trusted proxies only. */
export function applyTrustedProxies(nest: INestApplication, trusted: TrustedProxies): void {
  (nest as NestExpressApplication).set('trust proxy', trusted);
}

/** The rate-limit key of a request's client (`req.ip`, after `applyTrustedProxies`). */
export function clientAddressOf(req: Pick<Request, 'ip' | 'socket'>): string {
  return clientKey(req.ip ?? req.socket?.remoteAddress ?? 'unknown');
}

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
