import { spawnSync } from 'node:child_process';
import { withHeapPolicy } from './heap-policy';

describe('withHeapPolicy', () => {
  it("adds the gateway's old-space limit to NODE_OPTIONS, keeping what is there", () => {
    expect(withHeapPolicy('gateway', { A: '1' })).toEqual({
      A: '1',
      NODE_OPTIONS: '--max-old-space-size=1024',
    });
    expect(withHeapPolicy('gateway', { NODE_OPTIONS: '--enable-source-maps' })['NODE_OPTIONS']).toBe(
      '--enable-source-maps --max-old-space-size=1024',
    );
  });

  it('leaves an explicit limit, and apps without a policy, alone', () => {
    const own = { NODE_OPTIONS: '--max-old-space-size=4096' };
    expect(withHeapPolicy('gateway', own)).toBe(own);
    const other = { NODE_OPTIONS: '' };
    expect(withHeapPolicy('auth', other)).toBe(other);
  });

  it('is a limit node really applies', () => {
    const out = spawnSync(
      process.execPath,
      ['-p', "Math.round(require('v8').getHeapStatistics().heap_size_limit / 1048576)"],
      { env: withHeapPolicy('gateway', { PATH: process.env['PATH'] }), encoding: 'utf8' },
    );
    // The limit covers the old space plus the young generation.
    const mb = Number(out.stdout.trim());
    expect(mb).toBeGreaterThanOrEqual(1024);
    expect(mb).toBeLessThan(1200);
  });
});
