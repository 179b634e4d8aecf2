import { Parser } from '@asyncapi/parser';
import { asyncApiDocument, asyncApiMessageId } from './asyncapi';
import { CLIENT_COMMANDS, SERVER_EVENTS } from './socket-events';

const ERROR = 0; // DiagnosticSeverity.Error

describe('asyncApiDocument', () => {
  const doc = asyncApiDocument({ gatewayUrl: 'http://127.0.0.1:3000' });

  it('is a valid AsyncAPI 3 document, by the official parser', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const errors = diagnostics
      .filter((d) => d.severity === ERROR)
      .map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document?.operations().length).toBe(
      Object.keys(CLIENT_COMMANDS).length + Object.keys(SERVER_EVENTS).length,
    );
  });

  it('has every client command as a received operation answered by its ack', async () => {
    const { document } = await new Parser().parse(JSON.stringify(doc));
    for (const event of Object.keys(CLIENT_COMMANDS)) {
      const op = document?.operations().get(asyncApiMessageId(event));
      expect(op?.action()).toBe('receive');
      expect(
        op
          ?.messages()
          .all()
          .map((m) => m.name()),
      ).toEqual([event]);
      expect(
        op
          ?.reply()
          ?.messages()
          .all()
          .map((m) => m.name()),
      ).toEqual([`${event} ack`]);
    }
  });

  it('has every server event as a sent operation', async () => {
    const { document } = await new Parser().parse(JSON.stringify(doc));
    for (const event of Object.keys(SERVER_EVENTS)) {
      const op = document?.operations().get(asyncApiMessageId(event));
      expect(op?.action()).toBe('send');
      expect(
        op
          ?.messages()
          .all()
          .map((m) => m.name()),
      ).toEqual([event]);
    }
  });

  it('describes payloads from the contract schemas: as clients send them, and as the server sends', () => {
    const send = doc.components.messages['danmakuSend'].payload as {
      required: string[];
      properties: Record<string, { enum?: string[] }>;
    };
    expect(send.required).toEqual(['roomId', 'text']);
    expect(send.properties['mode'].enum).toEqual(['scroll', 'top', 'bottom']);
    const batch = JSON.stringify(doc.components.messages['danmakuBatch'].payload);
    for (const field of ['seq', 'sentAt', 'offsetMs', 'sessionId', 'epoch'])
      expect(batch).toContain(`"${field}"`);
    const joinAck = doc.components.messages['roomJoinAck'].payload as { anyOf: { properties: object }[] };
    expect(joinAck.anyOf.map((s) => Object.keys(s.properties).sort())).toEqual([
      ['epoch', 'ok', 'online', 'recent', 'recovered', 'roomId', 'settings'],
      ['error', 'ok'],
    ]);
  });

  it('names the public URL as the server, ws or wss', () => {
    expect(doc.servers.gateway).toMatchObject({
      host: '127.0.0.1:3000',
      protocol: 'ws',
      pathname: '/socket.io',
    });
    const tls = asyncApiDocument({ gatewayUrl: 'https://live.example/' });
    expect(tls.servers.gateway).toMatchObject({
      host: 'live.example',
      protocol: 'wss',
      pathname: '/socket.io',
    });
  });

  it('makes component keys of event names', () => {
    expect(asyncApiMessageId('room:join')).toBe('roomJoin');
    expect(asyncApiMessageId('notice')).toBe('notice');
  });
});
