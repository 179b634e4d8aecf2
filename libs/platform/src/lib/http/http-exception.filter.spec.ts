import { NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { DomainException } from '../errors/domain.exception';
import { HttpExceptionFilter } from './http-exception.filter';

function run(exception: unknown) {
  const res = {
    statusCode: 0,
    body: undefined as unknown,
    headers: {} as Record<string, string>,
    headersSent: false,
    status(s: number) {
      this.statusCode = s;
      return this;
    },
    json(b: unknown) {
      this.body = b;
      return this;
    },
    setHeader(k: string, v: string) {
      this.headers[k] = v;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost;
  new HttpExceptionFilter().catch(exception, host);
  return res;
}

describe('HttpExceptionFilter', () => {
  it('maps a DomainException to its status and body, with Retry-After', () => {
    const res = run(new DomainException('RATE_LIMITED', 'slow down', undefined, 2500));
    expect(res.statusCode).toBe(429);
    expect(res.headers['Retry-After']).toBe('3');
    expect(res.body).toEqual({ error: { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 2500 } });
  });

  it('maps malformed JSON from body-parser to 400 INVALID_PAYLOAD', () => {
    const err = Object.assign(new SyntaxError('Unexpected token'), {
      status: 400,
      type: 'entity.parse.failed',
    });
    const res = run(err);
    expect(res.statusCode).toBe(400);
    expect(res.body).toEqual({ error: { code: 'INVALID_PAYLOAD', message: 'Malformed JSON body' } });
  });

  it('maps unknown routes to 404 NOT_FOUND', () => {
    expect(run(new NotFoundException()).body).toEqual({
      error: { code: 'NOT_FOUND', message: 'No such route' },
    });
  });

  it('hides internals of unexpected errors behind a correlation id', () => {
    const res = run(new Error('db password is hunter2'));
    expect(res.statusCode).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(res.body).toEqual({
      error: { code: 'INTERNAL', message: 'Internal error', details: { correlationId: expect.any(String) } },
    });
  });
});

describe('HttpExceptionFilter and outages', () => {
  it('answers 503 UNAVAILABLE when Redis is away', () => {
    const err = Object.assign(new Error('Reached the max retries per request limit'), {
      name: 'MaxRetriesPerRequestError',
    });
    const res = run(err);
    expect(res.statusCode).toBe(503);
    expect(res.body).toEqual({ error: { code: 'UNAVAILABLE', message: expect.any(String) } });
  });
});
