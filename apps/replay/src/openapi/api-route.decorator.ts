import { ApiOperationDoc, type OperationDoc, type ResponseHeaderDoc } from '@danmaku/platform';
import type { SchemaName } from './openapi-schemas';

const string = { type: 'string' } as const;
const ETAG: ResponseHeaderDoc = {
  description: 'Strong tag of the session’s version (`"r1-<version>"`)',
  schema: string,
};
const CACHE_CONTROL: ResponseHeaderDoc = {
  description:
    '`no-cache` while the session is live; `public, max-age=<REPLAY_ENDED_SESSION_MAX_AGE_SEC>, must-revalidate` once it ended',
  schema: string,
};

export interface RouteDoc extends Pick<
  OperationDoc<SchemaName>,
  'summary' | 'description' | 'params' | 'query'
> {
  ok: { description: string; schema: SchemaName };
  /** Answers carry the session's ETag and honour `If-None-Match` with a 304. */
  sessionCaching?: boolean;
  /** Besides 400 and 503, which every route has. */
  notFound?: string;
}

/** One replay route's OpenAPI description: public, read-only, always JSON. */
export function ApiRoute(doc: RouteDoc): MethodDecorator {
  const { ok, sessionCaching, notFound, ...rest } = doc;
  return ApiOperationDoc<SchemaName>({
    ...rest,
    ok: {
      status: 200,
      ...ok,
      headers: sessionCaching
        ? { ETag: ETAG, 'Cache-Control': CACHE_CONTROL }
        : { 'Cache-Control': { description: '`no-cache` (with a weak content ETag)', schema: string } },
    },
    also: sessionCaching
      ? [
          {
            status: 304,
            description: '`If-None-Match` holds the current ETag: no body',
            headers: { ETag: ETAG, 'Cache-Control': CACHE_CONTROL },
          },
        ]
      : [],
    errors: [
      {
        status: 400,
        description: 'INVALID_PAYLOAD: a bad path parameter, query or cursor (`details` lists the fields)',
      },
      ...(notFound ? [{ status: 404, description: `NOT_FOUND: ${notFound}` }] : []),
      { status: 503, description: 'UNAVAILABLE: the store cannot answer right now; retry' },
    ],
  });
}
