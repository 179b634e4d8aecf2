import {
  DANMAKU_TEXT_LIMITS,
  danmakuTextProblem,
  danmakuTextSchema,
  normalizeDanmakuText,
  utf8Length,
} from './danmaku-text';
import { danmakuSendPayloadSchema } from './socket-events';

/** "Zalgo": every letter carries `marks` combining marks cycling through U+0300–U+036F. */
function zalgo(text: string, marks: number): string {
  return [...text]
    .map(
      (c) =>
        c + Array.from({ length: marks }, (_, i) => String.fromCodePoint(0x300 + ((i * 7) % 0x70))).join(''),
    )
    .join('');
}

describe('danmaku text bounds', () => {
  it('normalises to NFC, so a decomposed accent is one code point', () => {
    expect(normalizeDanmakuText('  Cafe\u0301 ')).toBe('Café');
    expect(danmakuTextSchema.parse('e\u0301')).toBe('\u00e9');
  });

  it('counts UTF-8 bytes like Node does', () => {
    for (const s of ['abc', '弹幕', '👍🏽👨‍👩‍👧', 'é', zalgo('Zalgo', 20)]) {
      expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
    }
  });

  it('refuses a Zalgo text whose grapheme count looks harmless (TOO_MANY_MARKS)', () => {
    const text = zalgo('he comes', 30); // 8 graphemes, ~500 bytes
    const problem = danmakuTextProblem(normalizeDanmakuText(text));
    expect(problem).toMatchObject({
      code: 'TOO_MANY_MARKS',
      details: { maxMarksPerGrapheme: DANMAKU_TEXT_LIMITS.maxMarksPerGrapheme, marks: 30 },
    });
    const parsed = danmakuSendPayloadSchema.safeParse({ roomId: 'r', text });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['text'], params: { code: 'TOO_MANY_MARKS' } });
  });

  it('refuses text over the byte bound (TOO_LONG), however few characters it has', () => {
    const text = '弹'.repeat(683); // 2049 bytes
    expect(danmakuTextProblem(text)).toMatchObject({
      code: 'TOO_LONG',
      details: { maxBytes: 2048, bytes: 2049 },
    });
    expect(danmakuTextProblem('弹'.repeat(682))).toBeNull();
  });

  it('accepts real scripts and emoji at the edge of the bound', () => {
    for (const s of [
      'Tiếng Việt có dấu', // up to 2 marks, mostly precomposed by NFC
      'བསྒྲུབས', // Tibetan stacks
      'स्त्री क्षत्रिय', // Devanagari conjuncts
      '👨‍👩‍👧‍👦 🏳️‍⚧️ 1️⃣ ❤️', // ZWJ sequences, variation selectors, keycaps
      zalgo('ok', DANMAKU_TEXT_LIMITS.maxMarksPerGrapheme),
    ]) {
      expect(danmakuTextProblem(normalizeDanmakuText(s))).toBeNull();
    }
    expect(danmakuTextProblem(zalgo('no', DANMAKU_TEXT_LIMITS.maxMarksPerGrapheme + 1))?.code).toBe(
      'TOO_MANY_MARKS',
    );
  });

  it('finds a mark stack wherever it is in an otherwise mark-free text', () => {
    const stacked = zalgo('x', DANMAKU_TEXT_LIMITS.maxMarksPerGrapheme + 1);
    for (const s of [`${'a'.repeat(300)}${stacked}`, `${stacked}${'弹'.repeat(300)}`]) {
      expect(danmakuTextProblem(s)?.code).toBe('TOO_MANY_MARKS');
    }
    expect(danmakuTextProblem('plain ascii, 中文, 😀 and no mark at all')).toBeNull();
  });
});
