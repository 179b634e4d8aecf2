import { parseRebuildArgs, UsageError } from './rebuild-args';

describe('parseRebuildArgs', () => {
  it('takes one room or all, with defaults', () => {
    expect(parseRebuildArgs(['--room', 'lobby_1'])).toEqual({
      scope: { kind: 'room', roomId: 'lobby_1' },
      progressEveryMs: 2000,
      stallTimeoutMs: 120_000,
      json: false,
    });
    expect(parseRebuildArgs(['--all', '--progress-sec=5', '--stall-timeout-sec', '30', '--json'])).toEqual({
      scope: { kind: 'all' },
      progressEveryMs: 5000,
      stallTimeoutMs: 30_000,
      json: true,
    });
    expect(parseRebuildArgs(['--room=r-2']).scope).toEqual({ kind: 'room', roomId: 'r-2' });
  });

  it.each([
    [[]],
    [['--all', '--room', 'a']],
    [['--room']],
    [['--room', 'bad room']],
    [['--room', 'x'.repeat(65)]],
    [['--all', '--progress-sec', '0']],
    [['--all', '--stall-timeout-sec', 'soon']],
    [['--all', '--wipe']],
    [['all']],
  ])('refuses %j', (argv) => {
    expect(() => parseRebuildArgs(argv)).toThrow(UsageError);
  });
});
