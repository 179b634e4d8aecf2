import { EventEmitter } from 'node:events';
import { onStopSignals, type StopSignal } from './stop-signals';

describe('onStopSignals', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('stops on the first signal, ignores its echo, kills on a later one', () => {
    const target = new EventEmitter();
    const calls: string[] = [];
    onStopSignals(
      { stop: (s: StopSignal) => calls.push(`stop ${s}`), kill: () => calls.push('kill') },
      target as unknown as NodeJS.Process,
    );
    target.emit('SIGTERM');
    jest.advanceTimersByTime(500);
    target.emit('SIGINT'); // the same Ctrl-C relayed by npm
    expect(calls).toEqual(['stop SIGTERM']);
    jest.advanceTimersByTime(2000);
    target.emit('SIGINT');
    expect(calls).toEqual(['stop SIGTERM', 'kill']);
  });
});
