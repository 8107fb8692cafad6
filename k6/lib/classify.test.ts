import { describe, expect, it } from 'vitest';
import { classifyFailure, ERROR_KINDS } from './classify.ts';

describe('classifyFailure', () => {
  it.each([
    [{ status: 200, bodyOk: true }, null],
    [{ status: 200 }, null],
    [{ status: 201, bodyOk: true }, null],
    [{ status: 200, bodyOk: false }, 'bad_body'],
    [{ status: 302 }, 'bad_body'],
    [{ status: 101 }, 'bad_body'],
    [{ status: 429 }, 'http_429'],
    [{ status: 400 }, 'http_4xx'],
    [{ status: 401 }, 'http_4xx'],
    [{ status: 499 }, 'http_4xx'],
    [{ status: 500 }, 'http_5xx'],
    [{ status: 503, bodyOk: true }, 'http_5xx'],
    [{ status: 0, errorCode: 1050, error: 'request timeout' }, 'timeout'],
    [{ status: 0, errorCode: 1211, error: 'dial: i/o timeout' }, 'timeout'],
    [{ status: 0, errorCode: 1000, error: 'context deadline exceeded' }, 'timeout'],
    [{ status: 0, errorCode: 1212, error: 'dial tcp 127.0.0.1:1: connect: connection refused' }, 'connection'],
    [{ status: 0, errorCode: 1220, error: 'read: connection reset by peer' }, 'connection'],
    [{ status: 0, errorCode: 1000, error: 'unexpected EOF' }, 'connection'],
    [{ status: 0 }, 'connection'],
    // A transport error after the status line (stream cut mid-body) is still a transport error.
    [{ status: 200, errorCode: 1000, error: 'unexpected EOF', bodyOk: false }, 'connection'],
  ])('%j → %s', (facts, kind) => {
    expect(classifyFailure(facts)).toBe(kind);
  });

  it('lists the kinds of the result format', () => {
    expect(ERROR_KINDS).toEqual(['http_429', 'http_4xx', 'http_5xx', 'timeout', 'connection', 'bad_body']);
  });
});
