import { z } from 'zod';
import { errorBodySchema } from '@danmaku/contracts';

export type JsonSchema = Record<string, unknown>;

/** The contract's error body, `{error: {code, message, details?}}`: every error response refers to it. */
export const ERROR_SCHEMA = 'Error';

/**
 * A document's named schemas, as zod schemas from the contract (the same ones that validate
 * requests), so the document cannot drift from what the API accepts and sends. Request bodies
 * are described as clients send them (`io: 'input'`), responses as the server sends them.
 */
export interface OpenApiSchemas {
  requests?: Record<string, z.ZodType>;
  responses?: Record<string, z.ZodType>;
}

/** One zod schema as an OpenAPI 3.0 schema object. */
export function zodToOpenApi(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;
}

/** `components.schemas` for the given named schemas, plus `Error`. */
export function componentSchemas(schemas: OpenApiSchemas): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = { [ERROR_SCHEMA]: zodToOpenApi(errorBodySchema, 'output') };
  for (const [name, schema] of Object.entries(schemas.requests ?? {}))
    out[name] = zodToOpenApi(schema, 'input');
  for (const [name, schema] of Object.entries(schemas.responses ?? {}))
    out[name] = zodToOpenApi(schema, 'output');
  return out;
}

export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export interface ParameterDoc {
  name: string;
  description?: string;
  required?: boolean;
  schema: JsonSchema;
}

/**
 * The parameters a zod object of path params or query fields accepts, one per property
 * (required unless optional or defaulted; a property's `.describe()` becomes its description).
 */
export function zodParameters(schema: z.ZodObject): ParameterDoc[] {
  const json = zodToOpenApi(schema, 'input') as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, { description, ...rest }]) => ({
    name,
    required: (json.required ?? []).includes(name),
    ...(typeof description === 'string' && { description }),
    schema: rest,
  }));
}
