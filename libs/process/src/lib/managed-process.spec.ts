import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessExitError, ProcessNotReadyError, startProcess } from './managed-process';
import { prefixedOutput } from './prefixed-output';
import { httpReady, lineReady, messageReady } from './readiness';

// Real child processes: small scripts run by this Node.
let dir: string;
const script = (name: string, body: string) => {
  const file = join(dir, `${name}.js`);
  writeFileSync(file, body);
  return file;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'process-spec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startProcess', () => {
  it('is ready on a log line, keeps its output in lines and stops on SIGTERM', async () => {
    const lines: string[] = [];
    const proc = startProcess({
      name: 'ticker',
      script: script(
        'ticker',
        `console.log('booting'); setTimeout(() => console.log('listening on 1234'), 100); setInterval(() => {}, 1000);`,
      ),
      onLine: (line, stream) => lines.push(`${stream}:${line}`),
    });
    await proc.waitReady(lineReady(/listening on \d+/), { timeoutMs: 5000 });
    expect(proc.running).toBe(true);
    expect(proc.tail()).toEqual(['booting', 'listening on 1234']);
    expect(lines).toEqual(['stdout:booting', 'stdout:listening on 1234']);
    await expect(proc.stop()).resolves.toBe('terminated');
    expect(proc.exitStatus).toEqual({ code: null, signal: 'SIGTERM' });
    await expect(proc.stop()).resolves.toBe('not-running');
  });

  it('reports an exit during start with its code and last lines', async () => {
    const proc = startProcess({
      name: 'broken',
      script: script('broken', `console.error('BAD_VAR is not a number'); process.exit(3);`),
    });
    const error = await proc.waitReady(lineReady(/never/), { timeoutMs: 5000 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ProcessExitError);
    expect((error as Error).message).toMatch(/^broken exited with 3 during start:\nBAD_VAR is not a number$/);
  });

  it('kills a child that ignores SIGTERM after the grace period', async () => {
    const proc = startProcess({
      name: 'stubborn',
      script: script(
        'stubborn',
        `process.on('SIGTERM', () => console.log('ignored')); console.log('up'); setInterval(() => {}, 1000);`,
      ),
    });
    await proc.waitReady(lineReady(/up/), { timeoutMs: 5000 });
    await expect(proc.stop({ graceMs: 300 })).resolves.toBe('killed');
    expect(proc.exitStatus?.signal).toBe('SIGKILL');
    expect(proc.tail()).toContain('ignored');
  });

  it('kills a child that is not ready in time, and says so', async () => {
    const proc = startProcess({
      name: 'slow',
      script: script('slow', `console.log('still loading'); setInterval(() => {}, 1000);`),
    });
    const error = await proc.waitReady(lineReady(/ready/), { timeoutMs: 300 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ProcessNotReadyError);
    expect((error as Error).message).toMatch(/^slow not ready after 300 ms:\nstill loading/);
    expect(proc.running).toBe(false);
  });

  it('tells about an exit nobody asked for', async () => {
    const unexpected = new Promise<ProcessExitError>((resolve) =>
      startProcess({
        name: 'crasher',
        script: script(
          'crasher',
          `console.log('working'); setTimeout(() => { throw new Error('boom'); }, 50);`,
        ),
        onUnexpectedExit: resolve,
      }),
    );
    const error = await unexpected;
    expect(error.exit.code).toBe(1);
    expect(error.message).toMatch(/^crasher exited with 1:\nworking/);
    expect(error.message).toContain('Error: boom');
  });

  it('waits for /readyz over HTTP', async () => {
    let ready = false;
    const server: Server = createServer((_req, res) => {
      res.statusCode = ready ? 200 : 503;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const proc = startProcess({ name: 'app', script: script('idle', `setInterval(() => {}, 1000);`) });
    setTimeout(() => (ready = true), 200);
    await proc.waitReady(httpReady(`http://127.0.0.1:${port}/readyz`), { timeoutMs: 5000, intervalMs: 50 });
    await proc.stop();
    server.close();
  });

  it('is ready on an IPC message from a child started with ipc', async () => {
    const proc = startProcess({
      name: 'worker',
      script: script(
        'worker',
        `setTimeout(() => process.send({ type: 'ready', port: 1 }), 50); setInterval(() => {}, 1000);`,
      ),
      ipc: true,
    });
    await proc.waitReady(
      messageReady((m) => (m as { type?: string }).type === 'ready'),
      { timeoutMs: 5000, intervalMs: 20 },
    );
    proc.killNow();
    await expect(proc.exited).resolves.toEqual({ code: null, signal: 'SIGKILL' });
  });
});

describe('prefixedOutput', () => {
  it('pads the name and sends stderr lines apart', () => {
    const out: string[] = [];
    const err: string[] = [];
    const write = prefixedOutput('auth', {
      width: 10,
      out: { write: (s: string) => out.push(s) },
      err: { write: (s: string) => err.push(s) },
    });
    write('hello', 'stdout');
    write('oops', 'stderr');
    expect(out).toEqual(['auth       | hello\n']);
    expect(err).toEqual(['auth       | oops\n']);
  });
});
