import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { z } from 'zod';
import {
  ERROR_SCHEMA,
  schemaRef,
  zodParameters,
  type JsonSchema,
  type ParameterDoc,
} from './openapi-schemas';

/** Name of the bearer security scheme in every document. */
export const BEARER_SCHEME = 'bearer';

export interface ResponseHeaderDoc {
  description: string;
  schema: JsonSchema;
}

/**
 * One route's OpenAPI description. Schemas are named (components of the document, see
 * `setupOpenApi`); path and query parameters come from the same zod objects that validate
 * them, or are listed by hand.
 */
export interface OperationDoc<Schema extends string = string> {
  summary: string;
  description?: string;
  /** Needs `Authorization: Bearer <access token>`. */
  bearer?: boolean;
  params?: z.ZodObject | ParameterDoc[];
  query?: z.ZodObject | ParameterDoc[];
  body?: { schema: Schema; required: boolean };
  ok: { status: number; description: string; schema?: Schema; headers?: Record<string, ResponseHeaderDoc> };
  /** Other answers that are not errors (a 304, say); no body. */
  also?: { status: number; description: string; headers?: Record<string, ResponseHeaderDoc> }[];
  /** Every error answers the contract's error body. */
  errors: { status: number; description: string }[];
}

const asParameters = (p: z.ZodObject | ParameterDoc[] | undefined): ParameterDoc[] =>
  p === undefined ? [] : Array.isArray(p) ? p : zodParameters(p);

/**
 * Documents one route: operation, parameters, body, answer and errors.
 *
 * @example
 * ```ts
 * @Get(':roomId')
 * @ApiOperationDoc({
 *   summary: 'A room',
 *   params: roomParamsSchema,
 *   ok: { status: 200, description: 'The room', schema: 'RoomView' },
 *   errors: [{ status: 404, description: 'NOT_FOUND' }],
 * })
 * ```
 */
export function ApiOperationDoc<Schema extends string>(doc: OperationDoc<Schema>): MethodDecorator {
  const decorators = [
    ApiOperation({ summary: doc.summary, ...(doc.description && { description: doc.description }) }),
    ...asParameters(doc.params).map((p) => ApiParam({ ...p, required: true })),
    ...asParameters(doc.query).map((q) => ApiQuery({ ...q, required: q.required ?? false })),
    ApiResponse({
      status: doc.ok.status,
      description: doc.ok.description,
      ...(doc.ok.schema && { schema: schemaRef(doc.ok.schema) }),
      ...(doc.ok.headers && { headers: doc.ok.headers }),
    }),
    ...(doc.also ?? []).map((r) => ApiResponse(r)),
    ...doc.errors.map((e) =>
      ApiResponse({ status: e.status, description: e.description, schema: schemaRef(ERROR_SCHEMA) }),
    ),
  ];
  if (doc.body) decorators.push(ApiBody({ required: doc.body.required, schema: schemaRef(doc.body.schema) }));
  if (doc.bearer) decorators.push(ApiBearerAuth(BEARER_SCHEME));
  return applyDecorators(...decorators);
}
