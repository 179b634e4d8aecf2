import { danmakuSendPayloadSchema } from '@danmaku/contracts';
import { DomainException } from './domain.exception';
import { parseInput } from './validation';

function refusal(input: unknown): DomainException {
  try {
    parseInput(danmakuSendPayloadSchema, input);
  } catch (e) {
    if (e instanceof DomainException) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('parseInput', () => {
  it('answers INVALID_PAYLOAD with the offending fields', () => {
    const e = refusal({ roomId: 'bad room!', text: 'hi' });
    expect(e.code).toBe('INVALID_PAYLOAD');
    expect(e.details).toEqual([expect.objectContaining({ path: 'roomId' })]);
  });

  it('answers the contract code a schema names for a refusal (a Zalgo text: TOO_MANY_MARKS)', () => {
    const e = refusal({ roomId: 'r', text: `Z${'\u0300\u0301\u0302\u0303'.repeat(5)}` });
    expect(e.code).toBe('TOO_MANY_MARKS');
    expect(e.details).toEqual({ maxMarksPerGrapheme: 6, marks: 20, path: 'text' });
  });

  it('answers TOO_LONG for a text over the byte bound', () => {
    const e = refusal({ roomId: 'r', text: '😀'.repeat(513) });
    expect(e.code).toBe('TOO_LONG');
    expect(e.details).toEqual({ maxBytes: 2048, bytes: 2052, path: 'text' });
  });

  it('returns the parsed, normalised payload', () => {
    expect(parseInput(danmakuSendPayloadSchema, { roomId: 'r', text: ' e\u0301 ' }).text).toBe('\u00e9');
  });
});
