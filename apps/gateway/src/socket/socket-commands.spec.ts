import type { Logger } from 'pino';
import { DomainException, MetricsService } from '@danmaku/platform';
import { loadGatewayConfig } from '../config/gateway.config';
import { SocketCommands, type CommandHandler } from './socket-commands';
import type { ViewerSocket } from './socket-data';
import { SocketLimits } from './socket-limits';

function setup(env: Record<string, string> = {}) {
  const logged: unknown[] = [];
  const logger = { error: (fields: unknown) => logged.push(fields) } as unknown as Logger;
  const commands = new SocketCommands(logger, new SocketLimits(loadGatewayConfig(env), new MetricsService()));
  const socket = { id: 's1', emit: () => true, disconnect: () => undefined } as unknown as ViewerSocket;
  const bodies: unknown[] = [];
  const handlers = new Map<string, CommandHandler>([
    ['echo', async (_s, body) => (bodies.push(body), { got: body })],
    ['invalid', async () => Promise.reject(new DomainException('INVALID_PAYLOAD', 'bad payload'))],
    ['closed', async () => Promise.reject(new DomainException('ROOM_CLOSED', 'closed'))],
    ['broken', async () => Promise.reject(new Error('redis exploded'))],
  ]);
  /** Dispatches `[event, ...args]` with an ack and resolves with what the ack got. */
  const call = (event: string, ...args: unknown[]) =>
    new Promise<unknown>((resolve) => commands.dispatch(socket, [event, ...args, resolve], handlers));
  return { commands, socket, handlers, bodies, logged, call };
}

describe('SocketCommands: one dispatch per packet, every outcome an ack', () => {
  it('acks a result as ok with its data, the payload as the handler gets it', async () => {
    const { call, bodies } = setup();
    expect(await call('echo', { roomId: 'r' })).toEqual({ ok: true, got: { roomId: 'r' } });
    await call('echo');
    await call('echo', 1, 2);
    expect(bodies).toEqual([{ roomId: 'r' }, undefined, [1, 2]]);
  });

  it('answers a domain refusal with its code, and an unexpected failure UNAVAILABLE with a logged correlation id', async () => {
    const { call, logged } = setup();
    expect(await call('closed', {})).toEqual({
      ok: false,
      error: { code: 'ROOM_CLOSED', message: 'closed' },
    });
    const broken = (await call('broken', {})) as { ok: false; error: { code: string; details: object } };
    expect(broken).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(logged).toEqual([
      expect.objectContaining({ event: 'broken', ...broken.error.details, err: expect.any(Error) }),
    ]);
  });

  it('counts invalid payloads and unknown events against the invalid-event limit', async () => {
    const { call } = setup({ GATEWAY_INVALID_EVENT_LIMIT: '2', GATEWAY_INVALID_EVENT_DISCONNECT: '10' });
    const answers = [await call('invalid', {}), await call('no:such', {}), await call('invalid', {})];
    expect(answers.map((a) => (a as { error: { code: string } }).error.code)).toEqual([
      'INVALID_PAYLOAD',
      'INVALID_PAYLOAD',
      'RATE_LIMITED',
    ]);
    expect((answers[1] as { error: { message: string } }).error.message).toBe('Unknown event: no:such');
  });

  it('runs a command sent without an ack, and takes a last argument that is no function as payload', async () => {
    const { commands, socket, handlers, bodies } = setup();
    commands.dispatch(socket, ['echo', { a: 1 }], handlers);
    commands.dispatch(socket, ['echo', 'x', 'y'], handlers);
    await new Promise((r) => setImmediate(r));
    expect(bodies).toEqual([{ a: 1 }, ['x', 'y']]);
  });
});
