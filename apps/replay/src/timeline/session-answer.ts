import type { Response } from 'express';
import { cacheControl, type SessionAnswer } from './cache-policy';

/**
 * Writes a session answer with its caching headers: 304 without a body when the client's
 * copy is current, else 200 with the JSON. (The routes take `@Res()` because Nest would
 * otherwise force the status back to 200.)
 */
export function sendSessionAnswer<T>(res: Response, answer: SessionAnswer<T>, endedMaxAgeSec: number): void {
  res.setHeader('ETag', answer.etag);
  res.setHeader('Cache-Control', cacheControl(answer.ended, endedMaxAgeSec));
  if (answer.body === null) res.status(304).end();
  // A string body is JSON text already (PageJson): sent as is, not quoted.
  else if (typeof answer.body === 'string') res.status(200).type('application/json').send(answer.body);
  else res.status(200).json(answer.body);
}
