import { ApiOperationDoc, type OperationDoc } from '@danmaku/platform';
import type { SchemaName } from './openapi-schemas';

const ERRORS = {
  400: 'INVALID_PAYLOAD: a bad path parameter or body, or malformed JSON (`details` lists the fields)',
  401: 'UNAUTHORIZED: no valid, unrevoked Bearer token',
  403: 'FORBIDDEN: the caller is not an admin',
  503: 'UNAVAILABLE: the account or key store cannot answer right now; retry',
} as const;

/** Start of a 429's description: `${RATE_LIMITED} logins from this address`. */
export const RATE_LIMITED = 'RATE_LIMITED (`Retry-After` in s, `retryAfterMs`): too many';

export interface RouteDoc extends Pick<
  OperationDoc<SchemaName>,
  'summary' | 'description' | 'params' | 'body' | 'ok'
> {
  /** Who may call it: anyone, any holder of an access token (users and guests), or admins. */
  access: 'public' | 'token' | 'admin';
  /**
   * Errors besides those every route of its kind has (400 with input, 401/403 by access, 503),
   * or a more precise word on one of those; each description starts with its error code.
   */
  errors?: { status: 401 | 404 | 409 | 429 | 503; description: string }[];
}

/** One auth route's OpenAPI description, with the errors its access level and input imply. */
export function ApiRoute(doc: RouteDoc): MethodDecorator {
  const { access, errors = [], ...rest } = doc;
  const common: (keyof typeof ERRORS)[] = [
    ...(doc.body || doc.params ? [400 as const] : []),
    ...(access === 'public' ? [] : [401 as const]),
    ...(access === 'admin' ? [403 as const] : []),
    503,
  ];
  const who = {
    public: 'No token needed.',
    token: 'Any access token (users and guests).',
    admin: 'Admins only.',
  }[access];
  return ApiOperationDoc<SchemaName>({
    ...rest,
    description: [doc.description, who].filter(Boolean).join('\n\n'),
    bearer: access !== 'public',
    errors: [
      ...common
        .filter((s) => !errors.some((e) => e.status === s))
        .map((status) => ({ status, description: ERRORS[status] })),
      ...errors,
    ].sort((a, b) => a.status - b.status),
  });
}
