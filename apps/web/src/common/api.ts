/** A failed call, with the contract's error code (or NETWORK when the server was not reached). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** "403 FORBIDDEN: not a moderator of this room" */
  describe(): string {
    const details = Array.isArray(this.details)
      ? ` (${(this.details as { path?: string; message?: string }[]).map((d) => `${d.path ? `${d.path}: ` : ''}${d.message ?? ''}`).join('; ')})`
      : '';
    return `${this.status ? `${this.status} ` : ''}${this.code}: ${this.message}${details}`;
  }
}

/** Calls a JSON API of the platform; rejects with ApiError on any non-2xx answer. */
export async function api<T = unknown>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string | null; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch (e) {
    throw new ApiError(
      0,
      'NETWORK',
      `could not reach ${base} (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)
      ?.error;
    throw new ApiError(
      res.status,
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? res.statusText,
      err?.details,
    );
  }
  return body as T;
}

export function describeError(e: unknown): string {
  if (e instanceof ApiError) return e.describe();
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const { code, message, retryAfterMs } = e as { code: string; message: string; retryAfterMs?: number };
    return `${code}: ${message}${retryAfterMs ? ` (retry in ${Math.ceil(retryAfterMs / 1000)} s)` : ''}`;
  }
  return e instanceof Error ? e.message : String(e);
}
