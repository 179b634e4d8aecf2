import { DomainException } from '@danmaku/platform';
import { decodeCursor, encodeCursor } from './cursor';

describe('cursor codec', () => {
  it('round-trips a position and is URL-safe', () => {
    const c = encodeCursor('session', { at: 9_999_999_999_999, seq: 123_456 });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('session', c)).toEqual({ at: 9_999_999_999_999, seq: 123_456 });
    expect(decodeCursor('room', encodeCursor('room', { at: 0, seq: 1 }))).toEqual({ at: 0, seq: 1 });
  });

  it('fits the contract query limit of 200 characters', () => {
    expect(encodeCursor('room', { at: 9_999_999_999_999, seq: 999_999_999_999 }).length).toBeLessThan(200);
  });

  it.each([
    ['garbage', 'not base64 of a cursor'],
    [Buffer.from('s1:12:x').toString('base64url'), 'bad seq'],
    [Buffer.from('s1:-1:2').toString('base64url'), 'negative'],
    [Buffer.from('q1:1:2').toString('base64url'), 'unknown tag'],
    [encodeCursor('room', { at: 1, seq: 2 }), 'cursor of the other timeline'],
    [encodeCursor('session', { at: 1, seq: 2 }) + '=', 'not canonical'],
    ['', 'empty'],
  ])('refuses %p (%s) with INVALID_PAYLOAD on cursor', (cursor) => {
    let thrown: unknown;
    try {
      decodeCursor('session', cursor);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DomainException);
    expect((thrown as DomainException).code).toBe('INVALID_PAYLOAD');
    expect((thrown as DomainException).details).toEqual([expect.objectContaining({ path: 'cursor' })]);
  });
});
