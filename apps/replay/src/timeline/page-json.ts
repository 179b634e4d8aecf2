import type { Danmaku, Page } from '@danmaku/contracts';

/** The UTF-8 JSON of a `Page<Danmaku>`, ready for the wire (the brand keeps other buffers out). */
export type PageJson = Buffer & { readonly __pageJson: true };

const ITEMS_OPEN = Buffer.from('{"items":[');
const COMMA = Buffer.from(',');

/**
 * Builds a page's JSON from the stored bodies' bytes, without parsing or even decoding them:
 * each body is the JSON of a Danmaku validated by the accepted-topic schema before it was
 * stored, so splicing gives byte for byte what JSON.stringify of the parsed page would. For
 * 1,000 items that is ~0.15 ms instead of ~5 ms (parse + stringify) or ~2 ms (strings).
 */
export function pageJson(bodies: Buffer[], nextCursor: string | null): PageJson {
  const parts: Buffer[] = [ITEMS_OPEN];
  bodies.forEach((body, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(body);
  });
  parts.push(Buffer.from(`],"nextCursor":${JSON.stringify(nextCursor)}}`));
  return Buffer.concat(parts) as PageJson;
}

/** The page a PageJson holds (tests and tools). */
export function parsePageJson(json: PageJson): Page<Danmaku> {
  return JSON.parse(json.toString('utf8')) as Page<Danmaku>;
}
