import { z } from 'zod';
import { CLIENT_COMMANDS, SERVER_EVENTS, ackSchema } from './socket-events';

type JsonObject = Record<string, unknown>;
type Ref = { $ref: string };

export interface AsyncApiMessage {
  /** The Socket.IO event name (or `<event> ack`). */
  name: string;
  title: string;
  summary: string;
  /** JSON Schema (draft-07) of the payload. */
  payload: JsonObject;
}

export interface AsyncApiOperation {
  /** `receive`: a client command the gateway receives; `send`: an event it pushes. */
  action: 'receive' | 'send';
  channel: Ref;
  title: string;
  summary: string;
  messages: Ref[];
  /** The ack of a command. */
  reply?: { channel: Ref; messages: Ref[] };
}

/** Where the channel of every event lives in the document. */
const CHANNEL = 'root';
const channelRef = { $ref: `#/channels/${CHANNEL}` };

/** `room:join` → `roomJoin`: AsyncAPI component keys allow letters, digits, `.`, `-` and `_` only. */
export function asyncApiMessageId(event: string): string {
  return event.replace(/[:.-]+(\w)/g, (_, c: string) => c.toUpperCase());
}

/** One zod schema as the JSON Schema (draft-07, the AsyncAPI schema format) of a payload. */
function payloadSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as JsonObject;
  delete json['$schema'];
  return json;
}

const DESCRIPTION = [
  'Socket.IO v4 (WebSocket, with HTTP long-polling as a fallback), path `/socket.io`, namespace `/`.',
  '',
  'Connect with `io(url, { auth: { token } })`, `token` being an access token from the auth app. ' +
    'A missing, invalid, expired or revoked token fails the connection: `connect_error` with ' +
    "`err.message === 'UNAUTHORIZED'` (`'UNAVAILABLE'` while the gateway cannot check tokens: retry with backoff).",
  '',
  'Every client command (a *receive* operation here: the gateway receives it) takes an ack callback, ' +
    'answered with `{ ok: true, ...data }` or `{ ok: false, error: { code, message, retryAfterMs?, details? } }`: ' +
    "the operation's reply. Server events (*send* operations) are past-tense facts about the rooms a socket joined.",
  '',
  'Reference with examples and every error code: docs/protocol/gateway.md in the repository.',
].join('\n');

export interface AsyncApiOptions {
  /** The gateway's base URL as clients reach it, e.g. `https://danmaku.example` (`GATEWAY_PUBLIC_URL`). */
  gatewayUrl: string;
}

/**
 * The AsyncAPI 3 document of the socket protocol, derived from `CLIENT_COMMANDS` and
 * `SERVER_EVENTS`: the same zod schemas validate the payloads at the gateway, so the document
 * cannot drift from what it accepts and sends. Client payloads are described as clients send
 * them, acks and events as the server sends them.
 * @example
 * asyncApiDocument({ gatewayUrl: 'http://127.0.0.1:3000' }).operations.roomJoin.reply
 */
export function asyncApiDocument(options: AsyncApiOptions) {
  const url = new URL(options.gatewayUrl);
  const messages: Record<string, AsyncApiMessage> = {};
  const operations: Record<string, AsyncApiOperation> = {};
  const messageRef = (id: string) => ({ $ref: `#/channels/${CHANNEL}/messages/${id}` });

  for (const [event, command] of Object.entries(CLIENT_COMMANDS)) {
    const id = asyncApiMessageId(event);
    messages[id] = {
      name: event,
      title: event,
      summary: command.summary,
      payload: payloadSchema(command.payload, 'input'),
    };
    messages[`${id}Ack`] = {
      name: `${event} ack`,
      title: `${event} ack`,
      summary: `The answer to ${event}, through its ack callback`,
      payload: payloadSchema(ackSchema(command.ack), 'output'),
    };
    operations[id] = {
      action: 'receive',
      channel: channelRef,
      title: event,
      summary: command.summary,
      messages: [messageRef(id)],
      reply: { channel: channelRef, messages: [messageRef(`${id}Ack`)] },
    };
  }
  for (const [event, pushed] of Object.entries(SERVER_EVENTS)) {
    const id = asyncApiMessageId(event);
    messages[id] = {
      name: event,
      title: event,
      summary: pushed.summary,
      payload: payloadSchema(pushed.payload, 'output'),
    };
    operations[id] = {
      action: 'send',
      channel: channelRef,
      title: event,
      summary: pushed.summary,
      messages: [messageRef(id)],
    };
  }

  return {
    asyncapi: '3.0.0',
    info: { title: 'Danmaku gateway (Socket.IO)', version: '1', description: DESCRIPTION },
    defaultContentType: 'application/json',
    servers: {
      gateway: {
        host: url.host,
        protocol: url.protocol === 'https:' ? 'wss' : 'ws',
        pathname: `${url.pathname.replace(/\/$/, '')}/socket.io`,
        title: 'Gateway',
        summary: 'Any gateway instance: a live room spans all of them',
        security: [{ $ref: '#/components/securitySchemes/accessToken' }],
      },
    },
    channels: {
      [CHANNEL]: {
        address: '/',
        title: 'Namespace /',
        description: 'The Socket.IO namespace every event travels on; rooms are joined with `room:join`.',
        messages: Object.fromEntries(
          Object.keys(messages).map((id) => [id, { $ref: `#/components/messages/${id}` }]),
        ),
      },
    },
    operations,
    components: {
      messages,
      securitySchemes: {
        accessToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An access token from the auth app, sent in the Socket.IO handshake as `auth.token` ' +
            '(not as an HTTP header). When it expires the socket gets `notice TOKEN_EXPIRED` and may send `auth:refresh`.',
        },
      },
    },
  };
}
export type AsyncApiDocument = ReturnType<typeof asyncApiDocument>;
