// Why a request failed, in the kinds the result format counts (errors.http_429 ... bad_body).
// Transport errors use k6's error codes (lib/netext/httpext/error_codes.go): 1050 request
// timeout, 1211 dial timeout; every other non-zero code is a connection-level failure.

export const ERROR_KINDS = ['http_429', 'http_4xx', 'http_5xx', 'timeout', 'connection', 'bad_body'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

const TIMEOUT_CODES = new Set([1050, 1211]);

export interface ResponseFacts {
  status: number;
  /** k6's res.error ("" when none). */
  error?: string;
  /** k6's res.error_code (0 when none). */
  errorCode?: number;
  /** False when a 2xx body is not a valid completion; ignored for other statuses. */
  bodyOk?: boolean;
}

/** The failure kind, or null for a successful response. */
export function classifyFailure(facts: ResponseFacts): ErrorKind | null {
  const code = facts.errorCode ?? 0;
  const error = facts.error ?? '';
  if (code !== 0 || facts.status === 0) {
    if (TIMEOUT_CODES.has(code) || /timeout|timed out|deadline exceeded/i.test(error)) return 'timeout';
    return 'connection';
  }
  if (facts.status === 429) return 'http_429';
  if (facts.status >= 400 && facts.status < 500) return 'http_4xx';
  if (facts.status >= 500) return 'http_5xx';
  // 1xx/3xx left after redirects, or a 2xx that is not a completion.
  if (facts.status < 200 || facts.status >= 300) return 'bad_body';
  return facts.bodyOk === false ? 'bad_body' : null;
}
