import { TimerWheel } from './timer-wheel';

describe('TimerWheel', () => {
  let now = 10_000;
  const fired: string[] = [];
  const wheel = new TimerWheel<string>(
    (item) => fired.push(item),
    1000,
    () => now,
  );

  afterEach(() => {
    wheel.stop();
    fired.length = 0;
  });

  it('fires items once their deadline has passed, never early', () => {
    wheel.schedule('a', 11_500);
    wheel.schedule('b', 13_000);
    now = 11_400;
    wheel.tick();
    expect(fired).toEqual([]);
    now = 12_000;
    wheel.tick();
    expect(fired).toEqual(['a']);
    now = 13_000;
    wheel.tick();
    expect(fired).toEqual(['a', 'b']);
    expect(wheel.size).toBe(0);
  });

  it('reschedules and cancels', () => {
    now = 20_000;
    wheel.schedule('a', 21_000);
    wheel.schedule('a', 25_000);
    wheel.schedule('b', 21_000);
    wheel.cancel('b');
    now = 22_000;
    wheel.tick();
    expect(fired).toEqual([]);
    now = 25_000;
    wheel.tick();
    expect(fired).toEqual(['a']);
  });
});
