import * as fold from './fold';

// Imported bindings compile to getter calls under some transpilers (esbuild, SWC): the hot
// loops below read module-local copies instead.
const { CLS_BANG, CLS_DIGIT, CLS_LETTER, CLS_MARK, CLS_NOSPACE, CLS_SYM, GAP_JOIN, GAP_PUNCT } = fold;
const { composeMark, foldCodePoint, itemCls, itemCp, leetLetter } = fold;

/**
 * A text as the matcher sees it: folded letters with the separators between them
 * removed but remembered, and runs of the same letter compressed into one unit with a
 * count (`baaad` → b, a×3, d). Every unit keeps the range of the original text it came
 * from, so a match maps back to the original characters.
 *
 * The buffers are reused from text to text: matching allocates nothing per text.
 */
export class Units {
  count = 0;
  /** Folded code point. */
  cp = new Int32Array(64);
  /** Letter class (CLS_*). */
  cls = new Uint8Array(64);
  /** Separators between the previous unit and this one (GAP_* bits; 0: none). */
  gap = new Uint8Array(64);
  /** How many times the letter repeats (without separators, unless merged) in the text. */
  run = new Uint16Array(64);
  /** Merged readings: separators inside the run (`s s` → s×2), and whether two of its letters touch. */
  innerGap = new Uint8Array(64);
  tight = new Uint8Array(64);
  /** The unit's range in the original text (UTF-16 indexes, end exclusive). */
  start = new Int32Array(64);
  end = new Int32Array(64);
  /** Some word mixes letters with digits or `@ $ !`: a leetspeak reading is worth a try. */
  leetHint = false;
  /** A `1` was read as `i`: reading it as `l` is worth a try too. */
  mappedOne = false;
  /** The same letter stands on both sides of a separator (`a s s`): a merged reading is worth a try. */
  splitRepeat = false;

  push(cp: number, cls: number, gap: number, start: number, end: number): void {
    if (this.count === this.cp.length) this.grow();
    const n = this.count++;
    this.cp[n] = cp;
    this.cls[n] = cls;
    this.gap[n] = gap;
    this.run[n] = 1;
    this.innerGap[n] = 0;
    this.tight[n] = 0;
    this.start[n] = start;
    this.end[n] = end;
  }

  private grow(): void {
    const size = this.cp.length * 2;
    this.cp = grown(this.cp, new Int32Array(size));
    this.cls = grown(this.cls, new Uint8Array(size));
    this.gap = grown(this.gap, new Uint8Array(size));
    this.run = grown(this.run, new Uint16Array(size));
    this.innerGap = grown(this.innerGap, new Uint8Array(size));
    this.tight = grown(this.tight, new Uint8Array(size));
    this.start = grown(this.start, new Int32Array(size));
    this.end = grown(this.end, new Int32Array(size));
  }
}

/** Folded characters before leetspeak and run compression (one per letter, no gaps). */
export class RawItems {
  count = 0;
  cp = new Int32Array(64);
  cls = new Uint8Array(64);
  gap = new Uint8Array(64);
  start = new Int32Array(64);
  end = new Int32Array(64);

  push(cp: number, cls: number, gap: number, start: number, end: number): void {
    if (this.count === this.cp.length) this.grow();
    const n = this.count++;
    this.cp[n] = cp;
    this.cls[n] = cls;
    this.gap[n] = gap;
    this.start[n] = start;
    this.end[n] = end;
  }

  private grow(): void {
    const size = this.cp.length * 2;
    this.cp = grown(this.cp, new Int32Array(size));
    this.cls = grown(this.cls, new Uint8Array(size));
    this.gap = grown(this.gap, new Uint8Array(size));
    this.start = grown(this.start, new Int32Array(size));
    this.end = grown(this.end, new Int32Array(size));
  }
}

function grown<T extends Int32Array | Uint8Array | Uint16Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

const isLetterCls = (cls: number): boolean => cls === CLS_LETTER || cls === CLS_NOSPACE;

const composed = new Map<number, number>();
function composeCached(base: number, mark: number): number {
  const key = base * 0x110000 + mark;
  let cp = composed.get(key);
  if (cp === undefined) {
    cp = composeMark(base, mark);
    if (composed.size < 10_000) composed.set(key, cp);
  }
  return cp;
}

/** Folds every character of `text` into `raw`. */
export function scanRaw(text: string, raw: RawItems): void {
  raw.count = 0;
  let pendingGap = 0;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i) as number;
    const next = i + (cp > 0xffff ? 2 : 1);
    const items = foldCodePoint(cp);
    // An invisible character joins the letter before it (so a match covers it).
    if (items.length === 0 && raw.count > 0 && pendingGap === 0) raw.end[raw.count - 1] = next;
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      if (item < 0) {
        pendingGap |= -item;
        continue;
      }
      const letter = itemCp(item);
      let cls = itemCls(item);
      if (cls === CLS_MARK) {
        const last = raw.count - 1;
        if (last >= 0 && pendingGap === 0 && isLetterCls(raw.cls[last])) {
          // Half-width `ｶﾞ` arrives as two characters; it is the one letter `ガ`.
          const joined = composeCached(raw.cp[last], letter);
          if (joined >= 0) {
            raw.cp[last] = joined;
            raw.end[last] = next;
            continue;
          }
          cls = raw.cls[last]; // an Indic vowel sign belongs to its base's word
        } else {
          cls = CLS_LETTER;
        }
      }
      raw.push(letter, cls, pendingGap, i, next);
      pendingGap = 0;
    }
    i = next;
  }
}

/** How a text is read (bits): plain; leetspeak inside words (1 → i, or 1 → l); runs merged across separators. */
export const PLAIN = 0;
export const LEET = 1;
export const ONE_AS_L = 2;
export const MERGE = 4;

/**
 * Builds the units of a scanned text. In a leetspeak reading, digits and `@ $ !` inside a
 * word that has real letters become letters (`5h1t`, `a55`, `$hit`, `sh!t`); a number on
 * its own (`455`, `717`) stays a number, so ordinary numbers never spell a term. In the
 * plain reading `@ $ !` are separators and digits are digits. A merged reading also joins
 * a letter standing alone with the same letter standing alone before it (`a s s` has the
 * double `s` of `ass`); never the default, as `has sex` must keep its word `sex`.
 */
export function buildUnits(raw: RawItems, reading: number, out: Units): void {
  out.count = 0;
  out.leetHint = false;
  out.mappedOne = false;
  out.splitRepeat = false;
  const merge = (reading & MERGE) !== 0;
  let pending = 0;
  // Whether the last unit is made of letters standing alone (`a s s`): only those merge.
  let lastAlone = false;
  for (let i = 0; i < raw.count;) {
    let j = i + 1;
    while (j < raw.count && raw.gap[j] === 0) j++;
    // [i, j) is one word: characters with no separator between them.
    let hasLetter = false;
    let hasLeet = false;
    for (let k = i; k < j; k++) {
      const cls = raw.cls[k];
      if (isLetterCls(cls)) hasLetter = true;
      else if (
        cls === CLS_SYM ||
        cls === CLS_BANG ||
        (cls === CLS_DIGIT && leetLetter(raw.cp[k], false) >= 0)
      )
        hasLeet = true;
    }
    if (hasLetter && hasLeet) out.leetHint = true;
    const leet = (reading & LEET) !== 0 && hasLetter;
    for (let k = i; k < j; k++) {
      let cp = raw.cp[k];
      let cls = raw.cls[k];
      const gap = pending | raw.gap[k];
      if (cls === CLS_SYM || cls === CLS_BANG) {
        // `!` is a letter inside a word (`sh!t`, `!diot`), never at its end (`wow!!!`).
        if (leet && (cls === CLS_SYM || !onlyBangsFrom(raw, k, j))) {
          cp = leetLetter(cp, false);
          cls = CLS_LETTER;
        } else {
          pending = gap | (cls === CLS_SYM ? GAP_JOIN : GAP_PUNCT);
          continue;
        }
      } else if (leet && cls === CLS_DIGIT) {
        const letter = leetLetter(cp, (reading & ONE_AS_L) !== 0);
        if (letter >= 0) {
          if (cp === 0x31) out.mappedOne = true;
          cp = letter;
          cls = CLS_LETTER;
        }
      }
      pending = 0;
      const n = out.count - 1;
      const same = n >= 0 && out.cp[n] === cp && out.cls[n] === cls;
      const alone = merge && standsAlone(raw, k, i, j);
      if (same && (gap === 0 || (alone && lastAlone))) {
        if (out.run[n] < 0xffff) out.run[n]++;
        if (gap === 0) out.tight[n] = 1;
        else out.innerGap[n] |= gap;
        out.end[n] = raw.end[k];
      } else {
        if (same) out.splitRepeat = true;
        out.push(cp, cls, gap, raw.start[k], raw.end[k]);
        lastAlone = alone;
      }
    }
    i = j;
  }
}

/** Whether raw items k..j-1 are all `!`. */
function onlyBangsFrom(raw: RawItems, k: number, j: number): boolean {
  for (let m = k; m < j; m++) if (raw.cls[m] !== CLS_BANG) return false;
  return true;
}

/** Whether raw item k of the word [i, j) is a letter on its own (`a s s`, `得a了`). */
function standsAlone(raw: RawItems, k: number, i: number, j: number): boolean {
  const cls = raw.cls[k];
  if (cls === CLS_NOSPACE) return true;
  return (k === i || raw.cls[k - 1] !== cls) && (k === j - 1 || raw.cls[k + 1] !== cls);
}

/** True when a word starts at unit `p`: the text's start, a separator, or a change of script class. */
export function boundaryBefore(u: Units, p: number): boolean {
  if (p === 0 || u.gap[p] !== 0) return true;
  const cls = u.cls[p];
  // Scripts without spaces have no words to respect: `我是sb啊` has `sb` as a word.
  return cls !== u.cls[p - 1] || cls === CLS_NOSPACE;
}
