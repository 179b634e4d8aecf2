import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Real processes: the handlers must make Node exit non-zero with one fatal log line that
 * names the app, the instance and the error, however the error escaped.
 */
function runChild(body: string): { status: number | null; stderr: string; stdout: string } {
  const module = JSON.stringify(join(__dirname, 'fatal-errors.ts'));
  const script = `
    const { installFatalErrorHandlers } = require(${module});
    installFatalErrorHandlers({ app: 'probe', instanceId: 'probe-1', logger: () => undefined });
    ${body}
    setTimeout(() => process.stdout.write('still alive\\n'), 300);
  `;
  const res = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: res.status, stderr: res.stderr, stdout: res.stdout };
}

function fatalLine(stderr: string): Record<string, unknown> {
  const line = stderr.split('\n').find((l) => l.includes('"level":"fatal"'));
  if (!line) throw new Error(`no fatal line in:\n${stderr}`);
  return JSON.parse(line) as Record<string, unknown>;
}

describe('installFatalErrorHandlers', () => {
  it('logs an unhandled rejection with its context and exits 1', () => {
    const res = runChild(`Promise.reject(new Error('redis publish failed'));`);
    expect(res.status).toBe(1);
    expect(res.stdout).not.toContain('still alive');
    expect(fatalLine(res.stderr)).toMatchObject({
      app: 'probe',
      instance: 'probe-1',
      kind: 'unhandledRejection',
      err: { type: 'Error', message: 'redis publish failed' },
    });
  });

  it('logs an exception thrown in a callback and exits 1', () => {
    const res = runChild(`setImmediate(() => { throw new TypeError('boom in a callback'); });`);
    expect(res.status).toBe(1);
    expect(fatalLine(res.stderr)).toMatchObject({
      kind: 'uncaughtException',
      err: { type: 'TypeError', message: 'boom in a callback' },
    });
  });

  it('uses the app logger once there is one', () => {
    const res = runChild(`
      installFatalErrorHandlers({
        app: 'probe', instanceId: 'probe-1',
        logger: () => ({ fatal: (obj, msg) => process.stderr.write('APPLOG ' + JSON.stringify({ ...obj, msg }) + '\\n') }),
      });
      Promise.reject('a bare string');
    `);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^APPLOG .*"kind":"unhandledRejection".*"message":"a bare string"/m);
  });

  it('leaves a process without escaped errors alone', () => {
    const res = runChild('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('still alive');
  });
});
