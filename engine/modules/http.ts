// `k6/http`: asyncRequest with k6's Response, params and built-in HTTP metrics. The synchronous
// request functions cannot exist on a shared event loop; they throw naming the async form.
import { parseDurationMs } from '../../lib/duration.ts';
import { canonical, headerRecord } from '../headers.ts';
import { InterruptedError } from '../http-errors.ts';
import { currentRun, type TestRun } from '../runtime.ts';
import { send, VuConnections, type Timings, type TransportRequest, type TransportResult } from '../transport.ts';
import { currentStore, type VuStore } from '../vu.ts';
import { USER_AGENT } from '../version.ts';

const DEFAULT_TIMEOUT_MS = 60_000;
const CACHE_LIMIT = 10_000;

type ResponseType = 'text' | 'binary' | 'none';
type Body = string | ArrayBuffer | ArrayBufferView | Record<string, unknown> | null | undefined;

export interface Params {
  headers?: Record<string, string | number>;
  tags?: Record<string, string | number>;
  timeout?: string | number;
  responseType?: ResponseType;
  responseCallback?: ExpectedStatuses | null;
  cookies?: unknown;
  redirects?: number;
}

interface ParsedUrl {
  origin: string;
  path: string;
}

const urlCache = new Map<string, ParsedUrl>();

/** The previous URL: a closed loop asks for the same one again (a string compare, no hashing). */
let lastUrl = '';
let lastParsed: ParsedUrl | null = null;

function parseUrl(url: string): ParsedUrl {
  if (url === lastUrl && lastParsed !== null) return lastParsed;
  const parsed = parseUrlCached(url);
  lastUrl = url;
  lastParsed = parsed;
  return parsed;
}

function parseUrlCached(url: string): ParsedUrl {
  let parsed = urlCache.get(url);
  if (parsed !== undefined) return parsed;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid URL "${url}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported protocol scheme "${u.protocol.slice(0, -1)}" in "${url}"`);
  parsed = { origin: u.origin, path: `${u.pathname}${u.search}` };
  if (urlCache.size >= CACHE_LIMIT) urlCache.clear();
  urlCache.set(url, parsed);
  return parsed;
}

/** A gjson-style path: "a.b", "choices.0.message", "items.#" (length). */
function select(value: unknown, selector: string): unknown {
  let cur: unknown = value;
  for (const part of selector.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    if (part === '#' && Array.isArray(cur)) cur = cur.length;
    else cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export interface RequestInfo {
  method: string;
  url: string;
  headers: Record<string, string[]>;
  body: string;
  cookies: Record<string, unknown>;
}

/** k6's Response object. `body` and `headers` are decoded on first access. */
export class Response {
  readonly status: number;
  readonly url: string;
  readonly proto: string;
  readonly error: string;
  readonly error_code: number;
  readonly timings: Timings;
  #raw: Buffer | null;
  #rawHeaders: Buffer[] | null;
  #type: ResponseType;
  #body: string | ArrayBuffer | null | undefined;
  #headers: Record<string, string> | undefined;
  #json: unknown;
  #method: string;
  #requestHeaders: string[];
  #requestBody: string | Uint8Array | null;
  #request: RequestInfo | undefined;
  #cookies: Record<string, unknown> | undefined;
  #statusText: string;

  constructor(result: TransportResult, url: string, method: string, headers: string[], body: string | Uint8Array | null, type: ResponseType) {
    this.status = result.status;
    this.#statusText = result.statusText;
    this.url = url;
    this.proto = result.status === 0 ? '' : 'HTTP/1.1';
    this.error = result.error?.message ?? '';
    this.error_code = result.error?.code ?? 0;
    this.timings = result.timings;
    this.#method = method;
    this.#requestHeaders = headers;
    this.#requestBody = body;
    this.#raw = result.body;
    this.#rawHeaders = result.rawHeaders;
    this.#type = type;
  }

  // Fields scripts rarely read are getters on the prototype, not per-response allocations.
  get status_text(): string {
    return this.status === 0 ? '' : `${this.status} ${this.#statusText}`.trim();
  }
  get remote_ip(): string {
    return '';
  }
  get remote_port(): number {
    return 0;
  }
  get tls_version(): string {
    return '';
  }
  get tls_cipher_suite(): string {
    return '';
  }
  get ocsp(): { status: string } {
    return { status: 'unknown' };
  }
  get cookies(): Record<string, unknown> {
    return (this.#cookies ??= {});
  }

  get body(): string | ArrayBuffer | null {
    if (this.#body === undefined) {
      const raw = this.#raw;
      if (this.#type === 'none' || raw === null) this.#body = null;
      else if (this.#type === 'binary') this.#body = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
      else this.#body = raw.toString('utf8');
      this.#raw = null;
    }
    return this.#body;
  }

  /** The request as sent (headers by canonical name, as k6 shows them). */
  get request(): RequestInfo {
    if (this.#request === undefined) {
      const headers: Record<string, string[]> = {};
      const raw = this.#requestHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) (headers[canonical(raw[i])] ??= []).push(raw[i + 1]);
      const body = this.#requestBody;
      this.#request = { method: this.#method, url: this.url, headers, body: typeof body === 'string' ? body : body === null ? '' : Buffer.from(body).toString(), cookies: {} };
    }
    return this.#request;
  }

  get headers(): Record<string, string> {
    if (this.#headers === undefined) this.#headers = headerRecord(this.#rawHeaders);
    return this.#headers;
  }

  json(selector?: string): unknown {
    if (this.#json === undefined) {
      const body = this.body;
      if (body === null) throw new Error('the body is null so we can\'t transform it to JSON - this likely was because of a request error getting the response');
      const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
      try {
        this.#json = JSON.parse(text);
      } catch (err) {
        throw new Error(`cannot parse json due to an error at offset: ${(err as Error).message}`);
      }
    }
    return selector === undefined ? this.#json : select(this.#json, selector);
  }

  /** JSON.stringify(res) shows every field, getters included, as k6's Response object does. */
  toJSON(): Record<string, unknown> {
    const { status, status_text, url, proto, error, error_code, timings, remote_ip, remote_port, tls_version, tls_cipher_suite, ocsp, cookies, body, headers } = this;
    return { status, status_text, url, proto, error, error_code, timings, remote_ip, remote_port, tls_version, tls_cipher_suite, ocsp, cookies, body, headers };
  }

  html(): never {
    throw new Error('res.html() is not supported by the embedded engine');
  }
}

/** What http.expectedStatuses() returns; pass it to setResponseCallback or params.responseCallback. */
export class ExpectedStatuses {
  constructor(readonly test: (status: number) => boolean) {}
}

export function expectedStatuses(...specs: Array<number | { min: number; max: number }>): ExpectedStatuses {
  const ranges = specs.map((s, i) => {
    if (typeof s === 'number') return [s, s] as const;
    if (s && typeof s.min === 'number' && typeof s.max === 'number') return [s.min, s.max] as const;
    throw new Error(`http.expectedStatuses: argument ${i + 1} must be a status code or {min, max}`);
  });
  return new ExpectedStatuses((status) => ranges.some(([min, max]) => status >= min && status <= max));
}

export function setResponseCallback(callback: ExpectedStatuses | null): void {
  if (callback !== null && !(callback instanceof ExpectedStatuses)) {
    throw new Error('http.setResponseCallback: only the result of http.expectedStatuses() or null is supported');
  }
  currentRun().expectedStatus = callback === null ? null : callback.test;
}

function encodeBody(body: Body, headers: string[]): string | Uint8Array | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'object') {
    // k6 sends a plain object as an urlencoded form.
    if (!hasHeader(headers, 'content-type')) headers.push('content-type', 'application/x-www-form-urlencoded');
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) form.append(k, String(v));
    return form.toString();
  }
  return String(body);
}

function hasHeader(headers: string[], lower: string): boolean {
  for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() === lower) return true;
  return false;
}

function timeoutMs(value: string | number | undefined): number {
  if (value === undefined || value === null) return DEFAULT_TIMEOUT_MS;
  const ms = parseDurationMs(value, 'ms');
  if (ms === null) throw new Error(`invalid params.timeout ${JSON.stringify(value)}: expected milliseconds or a duration like "30s"`);
  return ms;
}

/** Tags of the request's samples; one shared object per distinct combination (bounded cache). */
function requestTags(
  run: TestRun,
  store: VuStore | undefined,
  method: string,
  url: string,
  name: string,
  status: number,
  expected: boolean | null,
  errorCode: number,
  extra: Record<string, string | number> | undefined,
): Record<string, string> {
  const scenario = store?.vu.scenario;
  const cacheable = scenario !== undefined && scenario !== null && store!.vu.userTagCount === 0;
  let key = '';
  // The same request as the scenario's previous one (the common closed loop): no key string.
  const last = cacheable ? scenario.lastHttp : null;
  if (
    last !== null &&
    extra === undefined &&
    last.extra === undefined &&
    last.url === url &&
    last.status === status &&
    last.method === method &&
    last.name === name &&
    last.group === store!.group &&
    last.expected === expected &&
    last.errorCode === errorCode
  ) {
    return last.tags;
  }
  if (cacheable) {
    key = `${store!.group}\n${method}\n${name}\n${url}\n${status}\n${expected}\n${errorCode}`;
    if (extra !== undefined) for (const k in extra) key += `\n${k}=${extra[k]}`;
    const hit = scenario.httpTags.get(key);
    if (hit !== undefined) {
      if (extra === undefined) scenario.lastHttp = { group: store!.group, method, url, name, status, expected, errorCode, extra, tags: hit };
      return hit;
    }
  }
  const tags: Record<string, string> = { ...run.tagsFor(store), method, url, name, status: String(status), proto: status === 0 ? '' : 'HTTP/1.1' };
  if (expected !== null) tags.expected_response = String(expected);
  if (errorCode !== 0) tags.error_code = String(errorCode);
  if (extra !== undefined) for (const k in extra) tags[k] = String(extra[k]);
  if (cacheable) {
    if (scenario.httpTags.size >= CACHE_LIMIT) scenario.httpTags.clear();
    scenario.httpTags.set(key, tags);
    if (extra === undefined) scenario.lastHttp = { group: store!.group, method, url, name, status, expected, errorCode, extra, tags };
  }
  return tags;
}

/** One request in flight: what undici reads (method, path, headers, body) plus what completion needs. */
class PendingRequest implements TransportRequest {
  readonly stream = null;
  constructor(
    readonly run: TestRun,
    readonly store: VuStore | undefined,
    readonly method: string,
    readonly origin: string,
    readonly path: string,
    readonly headers: string[],
    readonly body: string | Uint8Array | null,
    readonly timeoutMs: number,
    readonly keepBody: boolean,
    readonly url: string,
    readonly name: string,
    readonly tagsParam: Record<string, string | number> | undefined,
    readonly callback: ((status: number) => boolean) | null,
    readonly type: ResponseType,
  ) {}
}

/** Records the request's built-in metrics and builds its Response (called by the transport as the request ends). */
function complete(req: PendingRequest, result: TransportResult): Response {
  const { run, store } = req;
  const callback = req.callback;
  const expected = callback === null ? null : result.status !== 0 && callback(result.status);
  const errorCode = result.error === null ? 0 : result.error.code;
  const tags = requestTags(run, store, req.method, req.url, req.name, result.status, expected, errorCode, req.tagsParam);
  // Samples of an interrupted VU are dropped (k6 drops them with the VU's context).
  if (store === undefined || !store.vu.interrupted) {
    const registry = run.registry;
    const m = run.m;
    const t = result.timings;
    registry.addTo(m.http_reqs, 1, tags);
    registry.addTo(m.http_req_duration, t.duration, tags);
    registry.addTo(m.http_req_blocked, t.blocked, tags);
    registry.addTo(m.http_req_connecting, t.connecting, tags);
    registry.addTo(m.http_req_tls_handshaking, t.tls_handshaking, tags);
    registry.addTo(m.http_req_sending, t.sending, tags);
    registry.addTo(m.http_req_waiting, t.waiting, tags);
    registry.addTo(m.http_req_receiving, t.receiving, tags);
    if (expected !== null) registry.addTo(m.http_req_failed, expected ? 0 : 1, tags);
    if (result.bytesSent > 0 || result.bytesReceived > 0) {
      const base = run.tagsFor(store);
      if (result.bytesSent > 0) registry.addTo(m.data_sent, result.bytesSent, base);
      if (result.bytesReceived > 0) registry.addTo(m.data_received, result.bytesReceived, base);
    }
  }
  return new Response(result, req.url, req.method, req.headers, req.body, req.type);
}

/**
 * Sends a request and resolves with k6's Response; network failures and timeouts resolve with
 * status 0 and `error`/`error_code`, as in k6. Not an async function: the transport's one promise
 * is the result (bad arguments still reject rather than throw, as from an async function).
 */
export function asyncRequest(method: string, url: string | { url: string; name?: string }, body?: Body, params?: Params): Promise<Response> {
  let req: PendingRequest;
  let connections: VuConnections;
  try {
    const run = currentRun();
    if (run.phase === 'init') throw new Error('making HTTP requests in the init context is not supported; move the request into default(), setup() or teardown()');
    const store = currentStore();
    const vu = store?.vu ?? run.setupVu;
    if (vu.interrupted) throw new InterruptedError('iteration interrupted');
    const urlText = typeof url === 'string' ? url : String(url?.url);
    const upper = String(method).toUpperCase();
    const { origin, path } = parseUrl(urlText);
    const headers: string[] = [];
    let hasUserAgent = false;
    const userHeaders = params?.headers;
    if (userHeaders !== undefined && userHeaders !== null) {
      for (const k of Object.keys(userHeaders)) {
        const v = userHeaders[k];
        if (v === undefined || v === null) continue;
        if (!hasUserAgent && k.length === 10 && k.toLowerCase() === 'user-agent') hasUserAgent = true;
        headers.push(k, String(v));
      }
    }
    if (!hasUserAgent) headers.push('user-agent', USER_AGENT);
    const encoded = encodeBody(body, headers);
    const type: ResponseType = params?.responseType ?? (run.discardResponseBodies ? 'none' : 'text');
    if (type !== 'text' && type !== 'binary' && type !== 'none') throw new Error(`invalid params.responseType "${String(type)}": expected text, binary or none`);
    const tagsParam = params?.tags;
    const name = tagsParam?.name !== undefined ? String(tagsParam.name) : typeof url === 'object' && url?.name ? url.name : urlText;
    const callback = params?.responseCallback !== undefined ? (params.responseCallback === null ? null : params.responseCallback.test) : run.expectedStatus;
    connections = vu.connections ??= new VuConnections();
    req = new PendingRequest(run, store, upper, origin, path, headers, encoded, timeoutMs(params?.timeout), type !== 'none', urlText, name, tagsParam, callback, type);
  } catch (err) {
    return Promise.reject(err);
  }
  return send(connections, req, complete);
}

function refused(name: string, example: string): () => never {
  return () => {
    throw new Error(
      `http.${name}() is synchronous and not supported by the embedded engine (all VUs share one event loop); ` +
        `use \`await http.asyncRequest(${example})\` in an async function instead`,
    );
  };
}

export const request = refused('request', "'GET', url, null, params");
export const get = refused('get', "'GET', url, null, params");
export const post = refused('post', "'POST', url, body, params");
export const put = refused('put', "'PUT', url, body, params");
export const patch = refused('patch', "'PATCH', url, body, params");
export const del = refused('del', "'DELETE', url, body, params");
export const head = refused('head', "'HEAD', url, null, params");
export const options = refused('options', "'OPTIONS', url, body, params");
export const batch = refused('batch', '...) for each request with Promise.all(');

/** http.url`...` template: the URL plus a `name` tag that groups URLs differing in their values. */
export function url(strings: TemplateStringsArray, ...values: unknown[]): { url: string; name: string } {
  let text = '';
  let name = '';
  strings.forEach((s, i) => {
    text += s;
    name += s;
    if (i < values.length) {
      text += String(values[i]);
      name += '${}';
    }
  });
  return { url: text, name };
}

export function file(data: string | ArrayBuffer, filename?: string, contentType = 'application/octet-stream'): Record<string, unknown> {
  return { data, filename, content_type: contentType };
}

export default {
  asyncRequest,
  request,
  get,
  post,
  put,
  patch,
  del,
  head,
  options,
  batch,
  url,
  file,
  expectedStatuses,
  setResponseCallback,
};
