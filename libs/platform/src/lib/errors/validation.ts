import type { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '@danmaku/contracts';
import { DomainException } from './domain.exception';

export interface FieldProblem {
  path: string;
  message: string;
}

/** zod issues as the contract's `details`: which field, what is wrong. */
export function toFieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/**
 * Validates input at an edge; bad input becomes INVALID_PAYLOAD listing the offending fields.
 * A schema may name a more precise contract code for a refusal: a custom issue with
 * `params.code` (e.g. `danmakuTextSchema`'s TOO_LONG) is answered with that code, its
 * message, and the other params plus the field as details.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'payload'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const coded = result.error.issues.find(
    (i) => i.code === 'custom' && isErrorCode((i.params as { code?: unknown } | undefined)?.code),
  );
  if (coded && coded.code === 'custom') {
    const { code, ...details } = coded.params as { code: ErrorCode };
    throw new DomainException(code, coded.message, { ...details, path: coded.path.map(String).join('.') });
  }
  throw new DomainException('INVALID_PAYLOAD', `Invalid ${what}`, toFieldProblems(result.error));
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}
