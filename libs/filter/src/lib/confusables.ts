// Unicode's confusables.txt (UTS #39), as the `unhomoglyph` package ships it: source
// character → the prototype it looks like ("а" Cyrillic → "a", "ο" Greek → "o", "𝐚" → "a").
import confusableData from 'unhomoglyph/data.json';

const TABLE: ReadonlyMap<number, string> = (() => {
  const map = new Map<number, string>();
  for (const [source, prototype] of Object.entries(confusableData as Record<string, string>)) {
    const cp = source.codePointAt(0);
    // Single code points only; the data has no longer sources, but stay safe.
    if (cp !== undefined && String.fromCodePoint(cp) === source) map.set(cp, prototype);
  }
  return map;
})();

/** The confusables.txt prototype of one code point, or undefined when it has none. */
export function confusablePrototype(cp: number): string | undefined {
  return TABLE.get(cp);
}

/** Number of entries in the data (for diagnostics and tests). */
export const CONFUSABLE_COUNT = TABLE.size;
