import type { z } from 'zod';

/**
 * Parses JSON read back from Redis against its schema. Stored values are written by this
 * app, so a bad one is corruption or a foreign writer: treat it as absent rather than fail
 * every request (or every decision) that touches it.
 */
export function parseStored<S extends z.ZodType>(
  schema: S,
  raw: string | null | undefined,
): z.infer<S> | null {
  if (raw === null || raw === undefined) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
