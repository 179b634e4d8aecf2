import { createAppLogger, resolveLogFormat } from './logger';

/** A destination that keeps what the logger wrote, line by line. */
function capture() {
  const lines: string[] = [];
  return {
    lines,
    destination: { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean)) },
  };
}

describe('resolveLogFormat', () => {
  it('is pretty only at a terminal outside production when auto', () => {
    expect(resolveLogFormat('auto', 'development', true)).toBe('pretty');
    expect(resolveLogFormat('auto', 'development', false)).toBe('json');
    expect(resolveLogFormat('auto', 'production', true)).toBe('json');
    expect(resolveLogFormat('auto', undefined, true)).toBe('pretty');
  });

  it('lets an explicit format win', () => {
    expect(resolveLogFormat('json', 'development', true)).toBe('json');
    expect(resolveLogFormat('pretty', 'production', false)).toBe('pretty');
  });
});

describe('createAppLogger', () => {
  it('writes JSON lines with app and instance when not at a terminal', () => {
    const out = capture();
    const log = createAppLogger('gateway', 'info', 'gw-1', { destination: out.destination, isTTY: false });
    log.info({ roomId: 'r1' }, 'joined');
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0])).toMatchObject({
      level: 30,
      app: 'gateway',
      instance: 'gw-1',
      roomId: 'r1',
      msg: 'joined',
    });
  });

  it('writes one plain line per event for a person, HTTP requests as method, path, status', () => {
    const out = capture();
    const log = createAppLogger('auth', 'info', 'a-1', {
      destination: out.destination,
      isTTY: true,
      colorize: false,
    });
    log.info({ context: 'RoutesResolver', roomId: 'r1' }, 'mapped');
    log.info(
      {
        context: 'http',
        req: { method: 'GET', url: '/v1/auth/me', headers: { authorization: 'Bearer secret' } },
        res: { statusCode: 200 },
        responseTime: 4,
      },
      'request completed',
    );
    expect(out.lines).toHaveLength(2);
    expect(out.lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[RoutesResolver\] mapped \{"roomId":"r1"\}$/,
    );
    expect(out.lines[1]).toMatch(/INFO: GET \/v1\/auth\/me 200 4ms$/);
    expect(out.lines.join('\n')).not.toMatch(/secret|"app"|a-1/);
  });

  it('colours pretty lines when asked', () => {
    const out = capture();
    const log = createAppLogger('auth', 'info', 'a-1', {
      destination: out.destination,
      isTTY: true,
      colorize: true,
    });
    log.error('boom');
    expect(out.lines[0]).toContain('\u001b[31mERROR');
  });

  it('honours the level in both formats', () => {
    for (const isTTY of [false, true]) {
      const out = capture();
      const log = createAppLogger('replay', 'warn', 'r-1', {
        destination: out.destination,
        isTTY,
        colorize: false,
      });
      log.info('hidden');
      log.warn('shown');
      expect(out.lines).toHaveLength(1);
      expect(out.lines[0]).toContain('shown');
    }
  });

  it('redacts secrets', () => {
    const out = capture();
    const log = createAppLogger('auth', 'info', 'a-1', { destination: out.destination, format: 'json' });
    log.info({ body: { password: 'hunter2' } }, 'login');
    expect(out.lines[0]).not.toContain('hunter2');
    expect(JSON.parse(out.lines[0]).body.password).toBe('[redacted]');
  });
});
