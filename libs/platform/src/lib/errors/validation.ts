import type { z } from 'zod';
import { DomainException } from './domain.exception';

export interface FieldProblem {
  path: string;
  message: string;
}

/** zod issues as the contract's `details`: which field, what is wrong. */
export function toFieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/** Validates input at an edge; bad input becomes INVALID_PAYLOAD listing the offending fields. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'payload'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new DomainException('INVALID_PAYLOAD', `Invalid ${what}`, toFieldProblems(result.error));
}
