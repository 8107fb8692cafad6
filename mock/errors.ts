// One typed error for every non-200 answer; it renders itself in OpenAI's or Anthropic's error shape.
import type { z } from 'zod';

export type ErrorFlavor = 'openai' | 'anthropic';

export class MockHttpError extends Error {
  override name = 'MockHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(flavor: ErrorFlavor): string {
    if (flavor === 'anthropic') {
      return JSON.stringify({ type: 'error', error: { type: anthropicType(this.status), message: this.message } });
    }
    return JSON.stringify({ error: { message: this.message, type: openaiType(this.status), param: this.param, code: this.code } });
  }
}

function openaiType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function anthropicType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** The answer the API gives for an injected status (message and code as the real service words them). */
export function injectedError(status: number, retryAfterS: number): MockHttpError {
  const retry: Record<string, string> = status === 429 || status === 503 ? { 'retry-after': String(retryAfterS) } : {};
  switch (status) {
    case 429:
      return new MockHttpError(429, `Rate limit reached (injected by the mock). Please try again in ${retryAfterS}s.`, null, 'rate_limit_exceeded', retry);
    case 500:
      return new MockHttpError(500, 'The server had an error while processing your request. Sorry about that! (injected by the mock)', null, null);
    case 503:
      return new MockHttpError(503, 'The engine is currently overloaded, please try again later. (injected by the mock)', null, null, retry);
    default:
      return new MockHttpError(status, `Injected error ${status} (mock).`, null, status >= 500 ? null : 'mock_injected_error', retry);
  }
}

/** Turns the first zod issue of a request body into OpenAI's 400 wording, with `param` as a dotted path. */
export function fromZodError(error: z.ZodError, input: unknown): MockHttpError {
  const issue = error.issues[0];
  const param = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || null;
  const got = valueAt(input, issue.path as PropertyKey[]);
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && got === undefined) {
    return new MockHttpError(400, `Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  if (issue.code === 'invalid_type') {
    return new MockHttpError(400, `Invalid type for '${param}': expected ${issue.expected}, but got ${typeName(got)} instead.`, param, 'invalid_type');
  }
  return new MockHttpError(400, `Invalid value for '${param ?? 'body'}': ${issue.message}.`, param, 'invalid_value');
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}
