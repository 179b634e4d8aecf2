import { applyDecorators } from '@nestjs/common';
import { ApiOperationDoc } from '@danmaku/platform';
import { Access } from '../access/access.decorator';
import type { SchemaName } from './openapi-schemas';

/** Path parameters of the moderation API and their rules. */
const PARAMS = {
  roomId: {
    description: 'Room id, `^[A-Za-z0-9_-]{1,64}$`',
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  },
  userId: { description: 'User id (opaque)', schema: { type: 'string', minLength: 1, maxLength: 128 } },
  termId: { description: 'Blocked term id', schema: { type: 'string', minLength: 1, maxLength: 64 } },
  id: { description: 'Danmaku id', schema: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

const ERRORS: Record<number, string> = {
  400: 'INVALID_PAYLOAD: a bad path parameter, body, query or malformed JSON (`details` lists the fields)',
  401: 'UNAUTHORIZED: no valid Bearer token',
  403: 'FORBIDDEN: the caller may not act on this room (or site-wide)',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  503: 'UNAVAILABLE: tokens cannot be verified or the event bus cannot take the change; retry',
};

export interface RouteDoc {
  summary: string;
  description?: string;
  /** Who may call it: admins only, or admins and the room's moderators. Enforced: this applies `Access(access)`. */
  access: 'admin' | 'moderator';
  params?: (keyof typeof PARAMS)[];
  query?: { name: string; description: string; schema: Record<string, unknown> }[];
  body?: { schema: SchemaName; required: boolean };
  ok: { status: number; description: string; schema?: SchemaName };
  /** Error statuses besides 400, 401, 403 and 503, which every route has. */
  errors?: { status: 404 | 409; description: string }[];
}

/**
 * One route's access and OpenAPI description: the guards of `doc.access`, then the operation,
 * parameters, body, answer and errors. The documented access is the enforced one.
 */
export function ApiRoute(doc: RouteDoc): MethodDecorator {
  const who = doc.access === 'admin' ? 'Admins only.' : 'Admins, and moderators of the room.';
  const operation = ApiOperationDoc<SchemaName>({
    summary: doc.summary,
    description: [doc.description, who].filter(Boolean).join('\n\n'),
    params: (doc.params ?? []).map((name) => ({ name, ...PARAMS[name] })),
    query: doc.query,
    body: doc.body,
    ok: doc.ok,
    errors: [
      ...[400, 401, 403, 503].map((status) => ({ status, description: ERRORS[status] })),
      ...(doc.errors ?? []).map((e) => ({
        status: e.status,
        description: `${ERRORS[e.status]}: ${e.description}`,
      })),
    ],
  });
  return applyDecorators(Access(doc.access), operation);
}
