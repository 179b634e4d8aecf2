import { z } from 'zod';

/** `^[A-Za-z0-9_-]{1,64}$` */
export const roomIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'roomId must match ^[A-Za-z0-9_-]{1,64}$');
export const userIdSchema = z.string().min(1).max(128);
export const epochMsSchema = z.number().int().nonnegative();

export const DANMAKU_MODES = ['scroll', 'top', 'bottom'] as const;
export const DANMAKU_SIZES = ['small', 'medium', 'large'] as const;
export const danmakuModeSchema = z.enum(DANMAKU_MODES);
export const danmakuSizeSchema = z.enum(DANMAKU_SIZES);
/** `#rrggbb`, stored lower-case. */
export const colorSchema = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'color must be #rrggbb')
  .transform((c) => c.toLowerCase());

export const ROLES = ['guest', 'user', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** Counts user-perceived characters (grapheme clusters), so an emoji with modifiers is one. */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
export function graphemeLength(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}
