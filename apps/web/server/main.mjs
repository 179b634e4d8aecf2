#!/usr/bin/env node
// The web app's server: the built pages (./public beside this file) plus /config.json, which
// tells the pages where the APIs are. Node built-ins only, so `node dist/apps/web/main.mjs`
// runs anywhere the other apps run.
//
// Env (each optional):
//   WEB_PORT (3004), WEB_HOST (0.0.0.0)
//   WEB_GATEWAY_URLS   comma-separated gateway URLs   (default: page host, each port of
//                      WEB_GATEWAY_PORTS, else GATEWAY_PORT or 3000; a viewer picks one at random)
//   WEB_AUTH_URL       (default: page host, AUTH_PORT or 3001)
//   WEB_MODERATION_URL (default: page host, MODERATION_PORT or 3002)
//   WEB_REPLAY_URL     (default: page host, REPLAY_PORT or 3003)
//   WEB_VIDEO_URL      the live room's video (default: /demo.webm, served from here)
// "page host" is the host name the browser used to reach this server, so the defaults work
// from another machine as well as on 127.0.0.1.

import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = process.env;
const publicDir = join(dirname(fileURLToPath(import.meta.url)), 'public');
const port = Number(env.WEB_PORT || 3004);
const host = env.WEB_HOST || '0.0.0.0';

const problems = [];
if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push('WEB_PORT: must be a port number');
const urlVar = (name) => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const u of list)
    if (!/^https?:\/\/[^/\s]+\/?$/.test(u)) problems.push(`${name}: "${u}" is not an http(s) origin`);
  return list.map((u) => u.replace(/\/$/, ''));
};
const configured = {
  gateways: urlVar('WEB_GATEWAY_URLS'),
  auth: urlVar('WEB_AUTH_URL')?.[0],
  moderation: urlVar('WEB_MODERATION_URL')?.[0],
  replay: urlVar('WEB_REPLAY_URL')?.[0],
};
if (problems.length) {
  process.stderr.write(`web: Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}

/** Where the APIs are, as seen from a browser that reached us at `hostHeader`. */
function runtimeConfig(hostHeader) {
  const hostname = (hostHeader || '127.0.0.1').replace(/:\d+$/, '');
  const at = (p) => `http://${hostname}:${p}`;
  return {
    gateways:
      configured.gateways ??
      String(env.WEB_GATEWAY_PORTS || env.GATEWAY_PORT || 3000)
        .split(',')
        .map((p) => at(p.trim())),
    authUrl: configured.auth ?? at(env.AUTH_PORT || 3001),
    moderationUrl: configured.moderation ?? at(env.MODERATION_PORT || 3002),
    replayUrl: configured.replay ?? at(env.REPLAY_PORT || 3003),
    videoUrl: env.WEB_VIDEO_URL || 'demo.webm',
  };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
};

const PAGES = {
  '/': '/index.html',
  '/live': '/index.html',
  '/replay': '/replay.html',
  '/moderate': '/moderate.html',
};

/** `scheme://host[:port]` of a URL, or undefined for a relative one (same origin). */
function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * The pages' Content-Security-Policy, from the same runtime config the pages read: scripts
 * and styles only from here, network only to the configured APIs (the gateways over
 * polling and WebSocket), media from here or WEB_VIDEO_URL's origin. What the libraries
 * need: artplayer sets inline styles and builds its icons and subtitles from data:/blob:
 * URLs; artplayer-plugin-danmuku runs its layout in a Worker made from a blob: (or data:) URL.
 */
function contentSecurityPolicy(config) {
  const apis = new Set([config.authUrl, config.moderationUrl, config.replayUrl, ...config.gateways]);
  const connect = ["'self'"];
  for (const url of apis) connect.push(url);
  for (const url of config.gateways) connect.push(url.replace(/^http/, 'ws'));
  const video = originOf(config.videoUrl);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `media-src 'self' blob:${video ? ` ${video}` : ''}`,
    `connect-src ${connect.join(' ')}`,
    "worker-src 'self' blob: data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** On every answer: no sniffing, no framing, no referrer leaking room ids to other sites. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

function send(res, status, body, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

const server = createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
  let path;
  try {
    path = decodeURIComponent(new URL(req.url || '/', 'http://x').pathname);
  } catch {
    return send(res, 400, 'bad request');
  }
  if (path === '/healthz') return send(res, 200, '{"status":"ok"}', 'application/json');
  if (path === '/readyz') return send(res, 200, '{"status":"ready","checks":{}}', 'application/json');
  if (path === '/favicon.ico') return send(res, 204, ''); // pages declare none; spare the 404 in consoles
  if (path === '/config.json')
    return send(res, 200, JSON.stringify(runtimeConfig(req.headers.host)), 'application/json');

  const rel = normalize(PAGES[path] ?? path);
  const file = join(publicDir, rel);
  if (!file.startsWith(publicDir + sep)) return send(res, 403, 'forbidden');
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return send(res, 404, 'not found');
  }
  if (!stat.isFile()) return send(res, 404, 'not found');
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  // Hashed assets never change; pages and the rest are revalidated.
  const cache = rel.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': type,
    'cache-control': cache,
    'accept-ranges': 'bytes',
  };
  if (type.startsWith('text/html'))
    headers['content-security-policy'] = contentSecurityPolicy(runtimeConfig(req.headers.host));
  // Byte ranges: browsers fetch video that way (and need them to seek).
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range || '');
  if (range && (range[1] || range[2])) {
    let start = range[1] ? Number(range[1]) : stat.size - Number(range[2]);
    let end = range[1] && range[2] ? Number(range[2]) : stat.size - 1;
    start = Math.max(0, start);
    end = Math.min(end, stat.size - 1);
    if (start > end) {
      res.writeHead(416, { 'content-range': `bytes */${stat.size}` });
      return res.end();
    }
    res.writeHead(206, {
      ...headers,
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${stat.size}`,
    });
    if (req.method === 'HEAD') return res.end();
    return createReadStream(file, { start, end }).pipe(res);
  }
  res.writeHead(200, { ...headers, 'content-length': stat.size });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
});

server.listen(port, host, () => {
  process.stdout.write(`web listening on http://127.0.0.1:${port} (serving ${publicDir})\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
  });
}
