import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';

/**
 * How fast this machine is at the two things every figure of the benchmark leans on:
 * plain JavaScript, and waking another process over loopback TCP (every hop of the
 * pipeline and every delivery does that). Measured at the start of a run and printed in
 * the report, so runs on different machines, or on a VM whose host got busier, are told
 * apart before their figures are compared: a slower wake-up makes both systems slower,
 * ours more (it has more hops per danmaku).
 */
export interface Calibration {
  /** Wall time of a fixed integer loop (1e8 iterations), ms. */
  jsLoopMs: number;
  /** One round trip of 64 bytes to a sleeping echo process and back, µs (median of the run). */
  pingPongUs: number;
  /** CPU both processes spent per round trip (user + system, both sides), µs. */
  pingPongCpuUs: number;
}

const ROUND_TRIPS = 2000;
const PAYLOAD = Buffer.alloc(64, 7);

/** An echo server that prints its port, echoes every chunk, and answers 'cpu?' with its CPU time (64 bytes). */
const ECHO_SERVER = `
const net = require('node:net');
const server = net.createServer((s) => {
  s.setNoDelay(true);
  s.on('data', (d) => {
    if (d.length === 4 && d.toString() === 'cpu?') {
      const u = process.cpuUsage();
      s.write(JSON.stringify(u).padEnd(64, ' '));
    } else s.write(d);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

function jsLoop(): number {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 1e8; i++) x = (x + i * 7) % 1_000_003;
  const ms = performance.now() - t0;
  if (x < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
  return ms;
}

function reply(socket: Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= bytes) done(null);
    };
    const onEnd = () => done(new Error('echo process closed the connection'));
    const done = (err: Error | null) => {
      socket.off('data', onData).off('end', onEnd).off('error', done);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    socket.on('data', onData).on('end', onEnd).on('error', done);
  });
}

/** Measures; rejects (and leaves no process behind) if the ping-pong has not finished in `timeoutMs`. */
export async function calibrate(timeoutMs = 30_000): Promise<Calibration> {
  const jsLoopMs = jsLoop();
  const child = spawn(process.execPath, ['-e', ECHO_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  let socket: Socket | undefined;
  // Killing the echo process (and the socket) makes whatever is awaited reject.
  const deadline = setTimeout(() => {
    socket?.destroy(new Error(`calibration did not finish in ${timeoutMs} ms`));
    child.kill();
  }, timeoutMs);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`echo process exited (${code})`)));
    });
    const s = (socket = connect(port, '127.0.0.1'));
    s.setNoDelay(true);
    await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
    const childCpu = async () => {
      const answer = reply(s, 64);
      s.write('cpu?');
      const { user, system } = JSON.parse((await answer).toString()) as { user: number; system: number };
      return user + system;
    };
    // Warm up, then measure: each message is sent only once the previous one came back, so
    // every one finds the other process asleep and has to wake it.
    for (let i = 0; i < 200; i++) {
      const r = reply(s, PAYLOAD.length);
      s.write(PAYLOAD);
      await r;
    }
    const times: number[] = [];
    const theirs0 = await childCpu();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const t0 = performance.now();
      const r = reply(s, PAYLOAD.length);
      s.write(PAYLOAD);
      await r;
      times.push(performance.now() - t0);
    }
    const own = process.cpuUsage(cpu0);
    const theirs = (await childCpu()) - theirs0;
    times.sort((a, b) => a - b);
    return {
      jsLoopMs: Math.round(jsLoopMs),
      pingPongUs: Math.round(times[Math.floor(times.length / 2)] * 1000),
      pingPongCpuUs: Math.round((own.user + own.system + theirs) / ROUND_TRIPS),
    };
  } finally {
    clearTimeout(deadline);
    socket?.destroy();
    child.kill();
  }
}

/** One line for the report and the console. */
export function describeCalibration(c: Calibration): string {
  return (
    `JS loop (1e8 iterations) ${c.jsLoopMs} ms; loopback TCP ping-pong with a sleeping process ` +
    `${c.pingPongUs} µs a round trip (median), ${c.pingPongCpuUs} µs CPU (both sides)`
  );
}
