import type { Response } from 'express';
import { cacheControl, type SessionAnswer } from './cache-policy';
import type { PageJson } from './page-json';

/**
 * Sends JSON: a PageJson as its bytes, anything else serialized. (Routes that answer a
 * PageJson take `@Res()`: Nest would serialize a Buffer as `{"type":"Buffer",…}`.)
 */
export function sendJson(res: Response, body: PageJson | object, cache: string): void {
  res.setHeader('Cache-Control', cache);
  if (Buffer.isBuffer(body)) res.status(200).type('application/json').send(body);
  else res.status(200).json(body);
}

/**
 * Writes a session answer with its caching headers: 304 without a body when the client's
 * copy is current, else 200 with the JSON (Nest would force the status of a 304 back to 200,
 * hence `@Res()`).
 */
export function sendSessionAnswer<T extends PageJson | object>(
  res: Response,
  answer: SessionAnswer<T>,
  endedMaxAgeSec: number,
): void {
  res.setHeader('ETag', answer.etag);
  const cache = cacheControl(answer.ended, endedMaxAgeSec);
  if (answer.body === null) {
    res.setHeader('Cache-Control', cache);
    res.status(304).end();
  } else sendJson(res, answer.body, cache);
}
