import { MetricsService } from '@danmaku/platform';
import { loadGatewayConfig } from '../config/gateway.config';
import type { ViewerSocket } from './socket-data';
import { SocketLimits } from './socket-limits';

function limits(env: Record<string, string>) {
  return new SocketLimits(loadGatewayConfig(env), new MetricsService());
}

function fakeSocket(id: string) {
  const emitted: unknown[][] = [];
  let disconnected = false;
  const socket = {
    id,
    emit: (...args: unknown[]) => emitted.push(args),
    disconnect: () => (disconnected = true),
  } as unknown as ViewerSocket;
  return { socket, emitted, disconnected: () => disconnected };
}

describe('SocketLimits', () => {
  it('lets GATEWAY_ROOM_COMMAND_RATE_LIMIT joins/leaves through per socket, then RATE_LIMITED with retryAfterMs', async () => {
    const l = limits({ GATEWAY_ROOM_COMMAND_RATE_LIMIT: '3', GATEWAY_ROOM_COMMAND_RATE_WINDOW_SEC: '10' });
    for (let i = 0; i < 3; i++) await l.roomCommand('a');
    await expect(l.roomCommand('a')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    const err = await l.roomCommand('a').catch((e: unknown) => e);
    expect((err as { toBody(): { retryAfterMs: number } }).toBody().retryAfterMs).toBeGreaterThan(9000);
    // Another socket has its own budget; a forgotten socket starts over.
    await expect(l.roomCommand('b')).resolves.toBeUndefined();
    l.forget('a');
    await expect(l.roomCommand('a')).resolves.toBeUndefined();
  });

  it('answers invalid events as they are, then RATE_LIMITED, then sends the notice and disconnects', async () => {
    const l = limits({ GATEWAY_INVALID_EVENT_LIMIT: '2', GATEWAY_INVALID_EVENT_DISCONNECT: '4' });
    const s = fakeSocket('x');
    const error = { code: 'INVALID_PAYLOAD' as const, message: 'bad' };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await l.refuseInvalid(s.socket, error));
    expect(answers.map((a) => a.error.code)).toEqual(['INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'RATE_LIMITED']);
    expect(answers[2].error.retryAfterMs).toBeGreaterThan(0);
    expect(s.disconnected()).toBe(false);
    const last = await l.refuseInvalid(s.socket, error);
    expect(last.error.code).toBe('RATE_LIMITED');
    expect(s.emitted).toEqual([['notice', expect.objectContaining({ code: 'TOO_MANY_INVALID_EVENTS' })]]);
    expect(s.disconnected()).toBe(true);
  });

  it('refuses a disconnect threshold below the limit', () => {
    expect(() =>
      loadGatewayConfig({ GATEWAY_INVALID_EVENT_LIMIT: '10', GATEWAY_INVALID_EVENT_DISCONNECT: '5' }),
    ).toThrow(/GATEWAY_INVALID_EVENT_DISCONNECT/);
  });
});
