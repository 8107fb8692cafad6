// Request failures classified with k6's error codes and short messages
// (grafana/k6 lib/netext/httpext/error_codes.go): status 0, `error` and `error_code` on the Response.

export interface RequestError {
  code: number;
  message: string;
}

export const REQUEST_TIMEOUT: RequestError = { code: 1050, message: 'request timeout' };

/** Thrown inside undici when our per-request timer fires; mapped to REQUEST_TIMEOUT. */
export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
  readonly code = 'LLMUX_REQUEST_TIMEOUT';
}

/** Thrown when the VU's iteration was interrupted (gracefulStop over, test aborted). */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  readonly code = 'LLMUX_INTERRUPTED';
}

const BY_CODE: Record<string, RequestError> = {
  LLMUX_REQUEST_TIMEOUT: REQUEST_TIMEOUT,
  ECONNREFUSED: { code: 1212, message: 'dial: connection refused' },
  UND_ERR_CONNECT_TIMEOUT: { code: 1211, message: 'dial: i/o timeout' },
  ETIMEDOUT: { code: 1211, message: 'dial: i/o timeout' },
  ECONNRESET: { code: 1220, message: 'read: connection reset by peer' },
  EPIPE: { code: 1201, message: 'write: broken pipe' },
  ENOTFOUND: { code: 1101, message: 'lookup: no such host' },
  EAI_AGAIN: { code: 1100, message: 'lookup: temporary failure in name resolution' },
  EHOSTUNREACH: { code: 1213, message: 'dial: no route to host' },
  ENETUNREACH: { code: 1213, message: 'dial: network is unreachable' },
  // undici's "other side closed": Go reports the same condition as a bare EOF (generic code).
  UND_ERR_SOCKET: { code: 1000, message: 'EOF' },
  CERT_HAS_EXPIRED: { code: 1300, message: 'tls: certificate has expired' },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { code: 1310, message: 'x509: unknown authority' },
  SELF_SIGNED_CERT_IN_CHAIN: { code: 1310, message: 'x509: unknown authority' },
  DEPTH_ZERO_SELF_SIGNED_CERT: { code: 1310, message: 'x509: unknown authority' },
  ERR_TLS_CERT_ALTNAME_INVALID: { code: 1311, message: "x509: certificate doesn't match hostname" },
};

/** k6's code and message for a transport error (1000 "generic" with the error's own message otherwise). */
export function classifyError(error: unknown): RequestError {
  let e = error as { code?: string; message?: string; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 3; depth++) {
    if (e.code && BY_CODE[e.code]) return BY_CODE[e.code];
    e = e.cause as typeof e;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 1000, message };
}
