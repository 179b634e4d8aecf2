import { z } from 'zod';

/**
 * Bounds on a danmaku's text beyond the room's `maxLength` (which counts grapheme
 * clusters): what one message may cost every viewer of the room, whatever the script.
 */
export const DANMAKU_TEXT_LIMITS = {
  /**
   * UTF-8 bytes after NFC normalisation and trimming (`TOO_LONG`). Fits the largest
   * `maxLength` (500) of CJK text (3 bytes each) or of plain emoji (4 bytes each).
   */
  maxBytes: 2048,
  /**
   * Combining marks (Unicode category M, variation selectors excepted) on one grapheme
   * (`TOO_MANY_MARKS`). Real scripts stay within it (Vietnamese 2, Tibetan and Indic
   * stacks 3–4); "Zalgo" text stacks dozens to paint over the video and the lines around.
   */
  maxMarksPerGrapheme: 6,
} as const;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const MARK = /\p{M}/gu;
/** One scan of the whole text: most danmaku carry no combining mark at all. */
const ANY_MARK = /\p{M}/u;
// Emoji presentation selectors are marks too, yet several may sit in one emoji ZWJ sequence.
const VARIATION_SELECTOR = /[\uFE00-\uFE0F]|\uDB40[\uDD00-\uDDEF]/u;

/** The text as it is checked, stored and shown: NFC, so one letter is one code point where Unicode allows. */
export function normalizeDanmakuText(text: string): string {
  return text.normalize('NFC').trim();
}

/** UTF-8 length without encoding (the contracts run in browsers too, where there is no Buffer). */
export function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Why a (normalised) text is refused, with the contract code, or null when it is within bounds. */
export interface DanmakuTextProblem {
  code: 'TOO_LONG' | 'TOO_MANY_MARKS';
  message: string;
  details: Record<string, number>;
}

/**
 * Checks the byte and combining-mark bounds of an already normalised text.
 * @example
 * danmakuTextProblem('Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357') // { code: 'TOO_MANY_MARKS', … }
 */
export function danmakuTextProblem(text: string): DanmakuTextProblem | null {
  const bytes = utf8Length(text);
  const { maxBytes, maxMarksPerGrapheme } = DANMAKU_TEXT_LIMITS;
  if (bytes > maxBytes) {
    return {
      code: 'TOO_LONG',
      message: `Text is ${bytes} bytes; at most ${maxBytes} are allowed`,
      details: { maxBytes, bytes },
    };
  }
  // Segmenting is the costly part (it ran on every message at every hop): a text without a
  // single mark cannot stack any, so only the others are segmented.
  if (!ANY_MARK.test(text)) return null;
  let marks = 0;
  for (const { segment } of segmenter.segment(text)) {
    let n = 0;
    for (const m of segment.match(MARK) ?? []) if (!VARIATION_SELECTOR.test(m)) n++;
    marks = Math.max(marks, n);
  }
  if (marks > maxMarksPerGrapheme) {
    return {
      code: 'TOO_MANY_MARKS',
      message: `A character carries ${marks} combining marks; at most ${maxMarksPerGrapheme} are allowed`,
      details: { maxMarksPerGrapheme, marks },
    };
  }
  return null;
}

/**
 * A danmaku's text at every edge: at most 4096 UTF-16 units as sent, then NFC-normalised,
 * trimmed, not empty, and within DANMAKU_TEXT_LIMITS. A bound that fails is a custom issue
 * whose `params.code` names the contract code (`parseInput` answers with it).
 */
export const danmakuTextSchema = z
  .string()
  .max(4096, 'text is far too long')
  .transform(normalizeDanmakuText)
  .refine((t) => t.length > 0, 'text must not be empty')
  .superRefine((t, ctx) => {
    const problem = danmakuTextProblem(t);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: problem.message,
        params: { code: problem.code, ...problem.details },
      });
  });
