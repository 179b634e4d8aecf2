import { z } from 'zod';
import { commonEnvShape, msVar, parseEnv, portVar } from '@danmaku/platform';

const originList = z
  .string()
  .default('*')
  .transform((s) =>
    s.trim() === '*'
      ? ('*' as const)
      : s
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
  );

export const gatewayEnvSchema = z
  .object({
    ...commonEnvShape,
    GATEWAY_PORT: portVar(3000).describe(
      'Port of the Socket.IO server (path `/socket.io`) and its HTTP routes.',
    ),
    GATEWAY_ALLOWED_ORIGINS: originList.describe(
      'Comma-separated browser origins allowed to connect (HTTP polling and WebSocket); `*` allows any.',
    ),
    GATEWAY_PING_INTERVAL_MS: msVar(25_000).describe(
      'Engine.IO heartbeat: the server pings every interval to find dead connections.',
    ),
    GATEWAY_PING_TIMEOUT_MS: msVar(20_000).describe(
      'Engine.IO heartbeat: a connection that does not answer a ping within this long is closed.',
    ),
    GATEWAY_MAX_HTTP_BUFFER_SIZE: z.coerce
      .number()
      .int()
      .min(1024)
      .max(1_048_576)
      .default(16_384)
      .describe('Largest accepted client frame in bytes; a danmaku is tiny, so keep this small.'),
    GATEWAY_MAX_ROOMS_PER_SOCKET: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(20)
      .describe('Live rooms one socket may be in at once; one more `room:join` answers TOO_MANY_ROOMS.'),
    GATEWAY_ROOM_COMMAND_RATE_LIMIT: z.coerce
      .number()
      .int()
      .min(1)
      .default(20)
      .describe(
        '`room:join` and `room:leave` one socket may send per GATEWAY_ROOM_COMMAND_RATE_WINDOW_SEC (then RATE_LIMITED ' +
          'with retryAfterMs). Counted in process, per socket.',
      ),
    GATEWAY_ROOM_COMMAND_RATE_WINDOW_SEC: z.coerce
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('Window of GATEWAY_ROOM_COMMAND_RATE_LIMIT, in seconds.'),
    GATEWAY_INVALID_EVENT_LIMIT: z.coerce
      .number()
      .int()
      .min(1)
      .default(10)
      .describe(
        'Invalid events (unknown names, payloads that fail validation) one socket may send per ' +
          'GATEWAY_INVALID_EVENT_WINDOW_SEC and still get INVALID_PAYLOAD; beyond it they are answered RATE_LIMITED.',
      ),
    GATEWAY_INVALID_EVENT_DISCONNECT: z.coerce
      .number()
      .int()
      .min(1)
      .default(30)
      .describe(
        'At this many invalid events within one GATEWAY_INVALID_EVENT_WINDOW_SEC the socket gets ' +
          '`notice TOO_MANY_INVALID_EVENTS` and is disconnected. At least GATEWAY_INVALID_EVENT_LIMIT.',
      ),
    GATEWAY_INVALID_EVENT_WINDOW_SEC: z.coerce
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('Window of GATEWAY_INVALID_EVENT_LIMIT and GATEWAY_INVALID_EVENT_DISCONNECT, in seconds.'),
    GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: z.coerce
      .number()
      .int()
      .min(1)
      .default(200)
      .describe(
        'Open connections one client address (IPv6: its /64; X-Forwarded-For honoured from TRUSTED_PROXIES only) ' +
          'may hold on one gateway instance; one more handshake fails with `connect_error` TOO_MANY_CONNECTIONS.',
      ),
    GATEWAY_SEND_RATE_LIMIT: z.coerce
      .number()
      .int()
      .min(1)
      .default(20)
      .describe(
        'Messages one user may send per GATEWAY_SEND_RATE_WINDOW_SEC, across all gateway instances (then RATE_LIMITED).',
      ),
    GATEWAY_SEND_RATE_WINDOW_SEC: z.coerce
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('Window of GATEWAY_SEND_RATE_LIMIT, in seconds.'),
    GATEWAY_ONLINE_INTERVAL_MS: msVar(5_000).describe(
      'How often online counts are refreshed and pushed as `room:online` (only when changed).',
    ),
    GATEWAY_TOKEN_GRACE_MS: msVar(60_000).describe(
      'After `notice TOKEN_EXPIRED`, how long a socket may take to send `auth:refresh` before it is dropped.',
    ),
    GATEWAY_FANOUT_MIN_CYCLE_MS: msVar(5).describe(
      'Under load, the fan-out consumer (every partition of the accepted topic) reads at most one fetch ' +
        'per this many ms, so fetches carry more danmaku each; a quiet topic is read at once.',
    ),
    GATEWAY_MERGE_WINDOW_MS: msVar(50).describe(
      "Merge window: a room's accepted danmaku go out at most once per window as one `danmaku:batch` " +
        '(50 ms: at most 20 frames a second per viewer). The first after a quiet spell goes at once; ' +
        'merging only kicks in under load.',
    ),
    GATEWAY_MERGE_WINDOW_MAX_MS: msVar(250).describe(
      'The merge window grows with event-loop utilization (above 60 % busy) up to this: fewer, larger ' +
        'frames when the CPU is short; at least GATEWAY_MERGE_WINDOW_MS.',
    ),
    GATEWAY_SOCKET_BUFFER_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1_048_576)
      .describe('A socket with more than this many bytes waiting to be written gets batches dropped.'),
    GATEWAY_SOCKET_PROBE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(131_072)
      .describe(
        'After this many bytes written to a WebSocket since the client last answered a ping, the gateway ' +
          'pings it; a client that does not answer within GATEWAY_SLOW_CONSUMER_GRACE_MS stopped reading and is ' +
          "disconnected. Bounds what a stalled viewer pins in the kernel's send buffer, which Node cannot cap.",
      ),
    GATEWAY_SLOW_CONSUMER_GRACE_MS: msVar(5_000).describe(
      'A socket still behind after this long (over GATEWAY_SOCKET_BUFFER_BYTES, or a probe ping unanswered) ' +
        'is disconnected (it can rejoin with `sinceSeq`).',
    ),
    GATEWAY_NONCE_WAIT_MS: msVar(3_000).describe(
      'A resend of a nonce whose first attempt is still pending waits this long for that outcome, then ' +
        "answers UNAVAILABLE (retry with the same nonce). Below the SDK's 5 s ack timeout.",
    ),
    GATEWAY_SEND_TIMEOUT_MS: msVar(3_000).describe(
      'A send with a nonce not confirmed by Kafka within this long is answered UNAVAILABLE ' +
        '(`details.pending`: resend with the same nonce; the attempt goes on and is never queued twice).',
    ),
    GATEWAY_SETTINGS_CACHE_MS: msVar(10_000).describe(
      "How long the gateway caches a room's settings for its early checks (closed room, slow mode, " +
        'max length). A settings change reaches every gateway from Kafka and drops the cached copy at ' +
        'once, so this only bounds how long a missed change could linger.',
    ),
  })
  .refine((c) => c.GATEWAY_MERGE_WINDOW_MAX_MS >= c.GATEWAY_MERGE_WINDOW_MS, {
    path: ['GATEWAY_MERGE_WINDOW_MAX_MS'],
    message: 'must be at least GATEWAY_MERGE_WINDOW_MS (the window only grows)',
  })
  .refine((c) => c.GATEWAY_INVALID_EVENT_DISCONNECT >= c.GATEWAY_INVALID_EVENT_LIMIT, {
    path: ['GATEWAY_INVALID_EVENT_DISCONNECT'],
    message: 'must be at least GATEWAY_INVALID_EVENT_LIMIT (first limited, then disconnected)',
  });
export type GatewayConfig = z.infer<typeof gatewayEnvSchema>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseEnv(gatewayEnvSchema, env);
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** How many danmaku `room:join` returns without `sinceSeq`. */
export const JOIN_RECENT_COUNT = 50;
/** A nonce answers with the same id for this long. */
export const NONCE_TTL_SEC = 600;
/**
 * A nonce whose first attempt is still being handed to Kafka stays claimed this long at
 * most: longer than the producer's worst case (request timeout 10 s over 9 tries with
 * backoff, ~115 s), so only a gateway that died mid-attempt lets it lapse.
 */
export const NONCE_PENDING_TTL_SEC = 150;
