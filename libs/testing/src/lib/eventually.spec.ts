import { expectEventually } from './eventually';

describe('expectEventually', () => {
  it('returns once the assertion passes', async () => {
    let n = 0;
    await expect(
      expectEventually(
        () => {
          n++;
          if (n < 3) throw new Error('not yet');
          return n;
        },
        { intervalMs: 1 },
      ),
    ).resolves.toBe(3);
  });

  it('rethrows the last failure after the timeout', async () => {
    await expect(
      expectEventually(
        () => {
          throw new Error('never');
        },
        { timeoutMs: 30, intervalMs: 5 },
      ),
    ).rejects.toThrow('never');
  });
});
