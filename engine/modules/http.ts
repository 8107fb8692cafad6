// `k6/http`: k6's HTTP client over the engine's transport: params, built-in metrics, redirects,
// cookies, basic and digest auth, multipart files. asyncRequest serves the VUs of the event loop;
// the worker VUs' synchronous calls (http.get, http.batch, ...) come through requestFor() and
// batchFor() on the main thread, so both kinds of VU share this one implementation.
import { performance } from 'node:perf_hooks';
import { parseDurationMs } from '../../lib/duration.ts';
import { url } from './pure.ts';
import { GEN, WAIT_HERE_MESSAGE, waiting } from '../coroutines.ts';
import { InterruptedError } from '../http-errors.ts';
import { currentRun, type TestRun } from '../runtime.ts';
import { send, VuConnections, type TransportRequest, type TransportResult } from '../transport.ts';
import { engineLog } from '../script-console.ts';
import { timerAt } from '../timer-at.ts';
import { currentStore, type VuStore } from '../vu.ts';
import { USER_AGENT } from '../version.ts';
import { CookieJar, jarFor, parseSetCookies, type RequestCookies } from './cookies.ts';
import { digestAuthorization } from './digest.ts';
import { isFileData, multipartBody, type FileData } from './multipart.ts';
import { Response, type ResponseType } from './response.ts';

export { CookieJar, Response };

export const DEFAULT_USER_AGENT = USER_AGENT;
const DEFAULT_TIMEOUT_MS = 60_000;
const CACHE_LIMIT = 10_000;

type Body = string | ArrayBuffer | ArrayBufferView | Record<string, unknown> | null | undefined;

export interface Params {
  headers?: Record<string, string | number>;
  tags?: Record<string, string | number>;
  timeout?: string | number;
  responseType?: ResponseType;
  responseCallback?: ExpectedStatuses | { ranges: Array<[number, number]> } | null;
  cookies?: Record<string, string | { value: string; replace?: boolean }>;
  redirects?: number;
  jar?: CookieJar | null;
  auth?: 'basic' | 'digest' | 'ntlm';
}

interface ParsedUrl {
  origin: string;
  path: string;
  /** "user:password" from the URL (decoded), or null. */
  auth: string | null;
  /** The URL as tagged and shown: a password in it is masked, as k6 does. */
  clean: string;
}

const urlCache = new Map<string, ParsedUrl>();

/** k6's error codes for a URL it cannot request (lib/netext/httpext/error_codes.go). */
const INVALID_URL = 1020;
const GENERIC_ERROR = 1000;

/** A URL the client cannot request: k6 answers it with a status-0 response, not a throw (unless options.throw). */
class UrlError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const NO_TIMINGS = { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 };

/** The response k6 gives for a request it could not even start: status 0 and the error, no samples. */
function unsentResponse(method: string, url: string, error: UrlError): Response {
  const result: TransportResult = { status: 0, statusText: '', rawHeaders: null, body: null, error: { code: error.code, message: error.message }, timings: { ...NO_TIMINGS }, bytesSent: 0, bytesReceived: 0 };
  return new Response(result, url, String(method).toUpperCase(), [], null, 'text', null, null);
}

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
    throw new UrlError(INVALID_URL, `invalid URL: parse "${url}": not an absolute URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UrlError(GENERIC_ERROR, `unsupported protocol scheme "${u.protocol.slice(0, -1)}" in "${url}"`);
  let auth: string | null = null;
  let clean = url;
  if (u.username !== '' || u.password !== '') {
    auth = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    clean = maskCredentials(url, u.password !== '');
  }
  parsed = { origin: u.origin, path: `${u.pathname}${u.search}`, auth, clean };
  if (urlCache.size >= CACHE_LIMIT) urlCache.clear();
  urlCache.set(url, parsed);
  return parsed;
}

/** k6's URL.Clean: the user and password of a URL shown as `****:****` (`****` without a password). */
export function maskCredentials(url: string, hasPassword: boolean): string {
  const start = url.indexOf('//') + 2;
  const at = url.lastIndexOf('@', url.slice(start).search(/[/?#]|$/) + start);
  if (start < 2 || at < start) return url;
  return `${url.slice(0, start)}${hasPassword ? '****:****' : '****'}${url.slice(at)}`;
}

/** What http.expectedStatuses() returns; pass it to setResponseCallback or params.responseCallback. */
export class ExpectedStatuses {
  readonly test: (status: number) => boolean;
  constructor(readonly ranges: Array<[number, number]>) {
    this.test = (status) => ranges.some(([min, max]) => status >= min && status <= max);
  }
}

/** A callback as given by a script, or its plain form from a worker VU. */
function callbackOf(value: unknown): ((status: number) => boolean) | null {
  if (value === null) return null;
  if (value instanceof ExpectedStatuses) return value.test;
  const ranges = (value as { ranges?: unknown } | undefined)?.ranges;
  if (Array.isArray(ranges)) return new ExpectedStatuses(ranges as Array<[number, number]>).test;
  throw new Error('responseCallback: only the result of http.expectedStatuses() or null is supported');
}

export function expectedStatuses(...specs: Array<number | { min: number; max: number }>): ExpectedStatuses {
  const ranges = specs.map((s, i): [number, number] => {
    if (typeof s === 'number') return [s, s];
    if (s && typeof s.min === 'number' && typeof s.max === 'number') return [s.min, s.max];
    throw new Error(`http.expectedStatuses: argument ${i + 1} must be a status code or {min, max}`);
  });
  return new ExpectedStatuses(ranges);
}

export function setResponseCallback(callback: ExpectedStatuses | { ranges: Array<[number, number]> } | null): void {
  try {
    currentRun().expectedStatus = callbackOf(callback);
  } catch {
    throw new Error('http.setResponseCallback: only the result of http.expectedStatuses() or null is supported');
  }
}

function encodeBody(body: Body, headers: string[]): string | Uint8Array | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'object') {
    // An object holding http.file() values is sent as multipart/form-data, as in k6.
    if (Object.values(body).some(isFileData)) {
      const { contentType, bytes } = multipartBody(body as Record<string, string | FileData>);
      if (!hasHeader(headers, 'content-type')) headers.push('content-type', contentType);
      return bytes;
    }
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

/** The last params.timeout parsed: scripts pass the same value on every request. */
let lastTimeout: { value: string | number; ms: number } | null = null;

function timeoutMs(value: string | number | undefined): number {
  if (value === undefined || value === null) return DEFAULT_TIMEOUT_MS;
  if (lastTimeout !== null && lastTimeout.value === value) return lastTimeout.ms;
  const ms = parseDurationMs(value, 'ms');
  if (ms === null) throw new Error(`invalid params.timeout ${JSON.stringify(value)}: expected milliseconds or a duration like "30s"`);
  lastTimeout = { value, ms };
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
    last.url === url &&
    last.status === status &&
    last.method === method &&
    last.name === name &&
    last.group === store!.group &&
    last.expected === expected &&
    last.errorCode === errorCode &&
    sameExtra(extra, last.extra)
  ) {
    return last.tags;
  }
  if (cacheable) {
    key = `${store!.group}\n${method}\n${name}\n${url}\n${status}\n${expected}\n${errorCode}`;
    if (extra !== undefined) for (const k in extra) key += `\n${k}=${extra[k]}`;
    const hit = scenario.httpTags.get(key);
    if (hit !== undefined) {
      scenario.lastHttp = { group: store!.group, method, url, name, status, expected, errorCode, extra: flatExtra(extra), tags: hit };
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
    scenario.lastHttp = { group: store!.group, method, url, name, status, expected, errorCode, extra: flatExtra(extra), tags };
  }
  return tags;
}

/** A request's tags param as [name, value, ...] (values as tagged: strings). */
function flatExtra(extra: Record<string, string | number> | undefined): string[] | undefined {
  if (extra === undefined) return undefined;
  const flat: string[] = [];
  for (const k in extra) flat.push(k, String(extra[k]));
  return flat;
}

/** Whether a tags param holds the same tags, in the same order, as the flat list of an earlier one. */
function sameExtra(extra: Record<string, string | number> | undefined, flat: string[] | undefined): boolean {
  if (extra === undefined || flat === undefined) return extra === flat;
  let i = 0;
  for (const k in extra) {
    if (flat[i] !== k || flat[i + 1] !== String(extra[k])) return false;
    i += 2;
  }
  return i === flat.length;
}

/** One request in flight: what undici reads (method, path, headers, body) plus what completion needs. */
class PendingRequest implements TransportRequest {
  readonly stream = null;
  /** Redirects this request may still follow. */
  redirectsLeft = 0;
  /** params.redirects given: no warning at the limit (k6 warns only for the global one). */
  redirectsExplicit = false;
  /** The cookie jar to read and fill (null = none yet: the VU's default jar is created on first use). */
  jarRef: CookieJar | null = null;
  useVuJar = true;
  /** params.cookies, merged into the Cookie header. */
  cookieParam: Params['cookies'] | undefined = undefined;
  credentials: string | null = null;
  authKind: 'basic' | 'digest' | null = null;
  digestSent = false;
  requestCookies: RequestCookies | null = null;
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

function headerOf(raw: Buffer[] | null, lower: string): string | null {
  if (raw === null) return null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === lower.length && name.toString('latin1').toLowerCase() === lower) return raw[i + 1].toString('latin1');
  }
  return null;
}

/** Records the request's built-in metrics and builds its Response (called by the transport as the request ends). */
function complete(req: PendingRequest, result: TransportResult): Response | Promise<Response> {
  const { run, store } = req;
  (store?.vu ?? run.setupVu).settle();
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
  if (run.httpDebug !== null) logHttp(req, result);
  // k6: a failed request logs "Request Failed" and returns status 0, or throws with options.throw
  // (never for a request cut by the end of its iteration).
  if (result.error !== null && (store === undefined || !store.vu.interrupted)) {
    if (run.throwErrors) return Promise.reject(new Error(result.error.message));
    engineLog('WARN', 'Request Failed', { error: result.error.message });
  }
  const status = result.status;
  let cookies = null;
  if (status !== 0) {
    const setCookies = headerList(result.rawHeaders, 'set-cookie');
    if (setCookies !== null) {
      cookies = parseSetCookies(setCookies, req.url);
      const jar = req.useVuJar ? jarFor(store?.vu ?? run.setupVu) : req.jarRef;
      jar?.storeFromResponse(setCookies, req.url);
    }
    if (status === 401 && req.authKind === 'digest' && !req.digestSent && req.credentials !== null) {
      const challenge = headerOf(result.rawHeaders, 'www-authenticate');
      if (challenge !== null && /^digest\s/i.test(challenge)) return follow(req, req.url, req.method, req.body, digestAuthorization(challenge, req.credentials, req.method, req.path));
    }
    if (status >= 301 && status <= 308 && status !== 304 && status !== 305 && status !== 306) {
      const location = headerOf(result.rawHeaders, 'location');
      if (location !== null) {
        if (req.redirectsLeft > 0) {
          const next = new URL(location, req.url).href;
          // Go's client: 301/302/303 turn into a GET without body (HEAD stays HEAD); 307/308 resend as is.
          const keep = status === 307 || status === 308;
          const method = keep || req.method === 'HEAD' ? req.method : 'GET';
          return follow(req, next, method, keep ? req.body : null, null);
        }
        if (!req.redirectsExplicit) console.warn(`Stopped after ${redirectLimit(req)} redirects and returned the redirection; pass { redirects: n } in request params or set global maxRedirects to silence this`);
      }
    }
  }
  return new Response(result, req.url, req.method, req.headers, req.body, req.type, cookies, req.requestCookies);
}

/** --http-debug: the request and the response as k6 prints them (bodies with 'full'). */
function logHttp(req: PendingRequest, result: TransportResult): void {
  const full = req.run.httpDebug === 'full';
  let request = `${req.method} ${req.path} HTTP/1.1\nHost: ${new URL(req.origin).host}\n`;
  for (let i = 0; i + 1 < req.headers.length; i += 2) request += `${req.headers[i]}: ${req.headers[i + 1]}\n`;
  if (full && req.body !== null) request += `\n${typeof req.body === 'string' ? req.body : Buffer.from(req.body).toString()}\n`;
  console.info(`Request:\n${request}`);
  if (result.status === 0) {
    console.info(`Request error: ${result.error?.message ?? ''}`);
    return;
  }
  let response = `HTTP/1.1 ${result.status} ${result.statusText}\n`;
  const raw = result.rawHeaders ?? [];
  for (let i = 0; i + 1 < raw.length; i += 2) response += `${raw[i].toString('latin1')}: ${raw[i + 1].toString('latin1')}\n`;
  if (full && result.body !== null) response += `\n${result.body.toString('utf8')}\n`;
  console.info(`Response:\n${response}`);
}

function redirectLimit(req: PendingRequest): number {
  return req.run.maxRedirects;
}

function headerList(raw: Buffer[] | null, lower: string): string[] | null {
  if (raw === null) return null;
  let out: string[] | null = null;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === lower.length && name.toString('latin1').toLowerCase() === lower) (out ??= []).push(raw[i + 1].toString('utf8'));
  }
  return out;
}

/** The next hop of a redirect or the digest retry: a new request with the same params. */
function follow(prev: PendingRequest, url: string, method: string, body: string | Uint8Array | null, authorization: string | null): Promise<Response> {
  const { origin, path, clean } = parseUrl(url);
  const headers: string[] = [];
  const dropBody = body === null && prev.body !== null;
  for (let i = 0; i + 1 < prev.headers.length; i += 2) {
    const lower = prev.headers[i].toLowerCase();
    if (lower === 'cookie') continue;
    if (lower === 'authorization' && (authorization !== null || (origin !== prev.origin))) continue;
    if (dropBody && (lower === 'content-type' || lower === 'content-length')) continue;
    headers.push(prev.headers[i], prev.headers[i + 1]);
  }
  if (authorization !== null) headers.push('Authorization', authorization);
  const name = prev.name === prev.url ? clean : prev.name;
  const req = new PendingRequest(prev.run, prev.store, method, origin, path, headers, body, prev.timeoutMs, prev.keepBody, clean, name, prev.tagsParam, prev.callback, prev.type);
  req.redirectsLeft = authorization !== null ? prev.redirectsLeft : prev.redirectsLeft - 1;
  req.redirectsExplicit = prev.redirectsExplicit;
  req.jarRef = prev.jarRef;
  req.useVuJar = prev.useVuJar;
  req.cookieParam = prev.cookieParam;
  req.credentials = prev.credentials;
  req.authKind = prev.authKind;
  req.digestSent = prev.digestSent || authorization !== null;
  addCookies(req, url);
  const vu = prev.store?.vu ?? prev.run.setupVu;
  if (vu.interrupted) return Promise.reject(new InterruptedError('iteration interrupted'));
  const connections = (vu.connections ??= new VuConnections());
  vu.pendingTimers++;
  return send(connections, req, complete) as Promise<Response>;
}

/** Adds the Cookie header from the jar and params.cookies (k6: params win when `replace` is set). */
function addCookies(req: PendingRequest, url: string): void {
  const vu = req.store?.vu ?? req.run.setupVu;
  const jar = req.useVuJar ? vu.cookieJar : req.jarRef;
  const param = req.cookieParam;
  if ((jar === null || jar.isEmpty()) && param === undefined) return;
  const fromJar = jar === null ? [] : jar.cookiePairs(url);
  const pairs: Array<[string, string]> = [];
  const requestCookies: RequestCookies = {};
  const replaced = new Set<string>();
  if (param !== undefined && param !== null) {
    for (const [name, spec] of Object.entries(param)) {
      const value = typeof spec === 'object' && spec !== null ? String(spec.value) : String(spec);
      const replace = typeof spec === 'object' && spec !== null && spec.replace === true;
      if (replace) replaced.add(name);
      pairs.push([name, value]);
      (requestCookies[name] ??= []).push({ name, value, replace });
    }
  }
  for (const [name, value] of fromJar) {
    if (replaced.has(name)) continue;
    pairs.push([name, value]);
    (requestCookies[name] ??= []).push({ name, value, replace: false });
  }
  if (pairs.length > 0) req.headers.push('Cookie', pairs.map(([n, v]) => `${n}=${v}`).join('; '));
  req.requestCookies = requestCookies;
}

/** Builds the request for `store`'s VU (throws on bad arguments). */
function prepare(store: VuStore | undefined, method: string, url: unknown, body: Body, params: Params | null | undefined): { req: PendingRequest; connections: VuConnections } {
  const run = currentRun();
  if (run.phase === 'init') throw new Error(INIT_REQUEST_MESSAGE);
  const vu = store?.vu ?? run.setupVu;
  if (vu.interrupted) throw new InterruptedError('iteration interrupted');
  const urlText = typeof url === 'string' ? url : String((url as { url?: unknown } | null)?.url);
  const upper = String(method).toUpperCase();
  const parsed = parseUrl(urlText);
  const headers: string[] = [];
  let hasUserAgent = false;
  let hasAuthorization = false;
  let hasAcceptEncoding = false;
  let hasConnection = false;
  const userHeaders = params?.headers;
  if (userHeaders !== undefined && userHeaders !== null) {
    for (const k of Object.keys(userHeaders)) {
      const v = userHeaders[k];
      if (v === undefined || v === null) continue;
      const lower = k.toLowerCase();
      if (lower === 'user-agent') hasUserAgent = true;
      else if (lower === 'authorization') hasAuthorization = true;
      else if (lower === 'accept-encoding') hasAcceptEncoding = true;
      else if (lower === 'connection') hasConnection = true;
      headers.push(k, String(v));
    }
  }
  if (!hasUserAgent && run.userAgent !== '') headers.push('User-Agent', run.userAgent);
  // Go's transport asks for gzip when the script did not choose an encoding (and decodes it).
  if (!hasAcceptEncoding && upper !== 'HEAD') headers.push('Accept-Encoding', 'gzip');
  // options.noConnectionReuse: Go's transport without keep-alive asks the server to close.
  if (run.noConnectionReuse && !hasConnection) headers.push('Connection', 'close');
  const auth = params?.auth;
  if (auth !== undefined && auth !== 'basic' && auth !== 'digest') throw new Error(`auth "${String(auth)}" is not supported by the embedded engine (basic and digest are)`);
  if (parsed.auth !== null && !hasAuthorization && auth !== 'digest') headers.push('Authorization', `Basic ${Buffer.from(parsed.auth).toString('base64')}`);
  const encoded = encodeBody(body, headers);
  const type: ResponseType = params?.responseType ?? (run.discardResponseBodies ? 'none' : 'text');
  if (type !== 'text' && type !== 'binary' && type !== 'none') throw new Error(`invalid params.responseType "${String(type)}": expected text, binary or none`);
  const tagsParam = params?.tags;
  const named = typeof url === 'object' && url !== null ? (url as { name?: string }).name : undefined;
  const name = tagsParam?.name !== undefined ? String(tagsParam.name) : named ? named : parsed.clean;
  const callback = params?.responseCallback !== undefined ? callbackOf(params.responseCallback) : run.expectedStatus;
  const connections = (vu.connections ??= new VuConnections());
  const req = new PendingRequest(run, store, upper, parsed.origin, parsed.path, headers, encoded, timeoutMs(params?.timeout), type !== 'none', parsed.clean, name, tagsParam, callback, type);
  const redirects = params?.redirects;
  req.redirectsLeft = redirects === undefined || redirects === null ? run.maxRedirects : Number(redirects);
  req.redirectsExplicit = redirects !== undefined && redirects !== null;
  if (params?.jar !== undefined) {
    req.useVuJar = false;
    req.jarRef = params.jar;
  }
  if (params?.cookies !== undefined) req.cookieParam = params.cookies;
  if (parsed.auth !== null) {
    req.credentials = parsed.auth;
    req.authKind = auth === 'digest' ? 'digest' : 'basic';
  }
  addCookies(req, urlText);
  return { req, connections };
}

/** One request for the VU of `store` (the worker VUs' synchronous calls land here). */
export function requestFor(store: VuStore | undefined, method: string, url: unknown, body: Body, params: Params | null | undefined): Promise<Response> {
  let prepared: { req: PendingRequest; connections: VuConnections };
  try {
    prepared = prepare(store, method, url, body, params);
  } catch (err) {
    if (err instanceof UrlError && !currentRun().throwErrors) {
      engineLog('WARN', 'Request Failed', { error: err.message });
      return Promise.resolve(unsentResponse(method, typeof url === 'string' ? url : String((url as { url?: unknown } | null)?.url), err));
    }
    return Promise.reject(err);
  }
  // An un-awaited request keeps the iteration open until it ends (k6's event loop).
  const vu = prepared.req.store?.vu ?? prepared.req.run.setupVu;
  vu.pendingTimers++;
  const limit = prepared.req.run.rpsLimit;
  const turn = limit === null ? 0 : limit.take();
  if (turn === 0 || turn <= performance.now()) return send(prepared.connections, prepared.req, complete) as Promise<Response>;
  return new Promise<void>((resolve) => timerAt(turn, resolve)).then(() => {
    if (!vu.interrupted) return send(prepared.connections, prepared.req, complete) as Promise<Response>;
    vu.settle();
    throw new InterruptedError('iteration interrupted');
  });
}

/**
 * Sends a request and resolves with k6's Response; network failures and timeouts resolve with
 * status 0 and `error`/`error_code`, as in k6. Not an async function: the transport's one promise
 * is the result (bad arguments still reject rather than throw, as from an async function).
 */
export function asyncRequest(method: string, url: string | { url: string; name?: string }, body?: Body, params?: Params): Promise<Response> {
  return requestFor(currentStore(), method, url, body, params);
}

type BatchItem = string | [string, unknown, Body?, Params?] | { method?: string; url: unknown; body?: Body; params?: Params };

/**
 * http.batch's requests; the result has the shape of the argument. As in k6, at most
 * options.batch (20) are in flight at once, taken in order, and at most options.batchPerHost (6,
 * 0 = no limit) to one host:port.
 */
export async function batchFor(store: VuStore | undefined, requests: BatchItem[] | Record<string, BatchItem>): Promise<Response[] | Record<string, Response>> {
  if (requests === null || typeof requests !== 'object') throw new Error('http.batch: expected an array or an object of requests');
  const keys = Array.isArray(requests) ? null : Object.keys(requests);
  const items: BatchItem[] = keys === null ? (requests as BatchItem[]) : keys.map((k) => (requests as Record<string, BatchItem>)[k]);
  const run = currentRun();
  const results = await inBatches(items, run.batch, run.batchPerHost, (item) => batchRequest(store, item));
  if (keys === null) return results;
  return Object.fromEntries(keys.map((k, i) => [k, results[i]]));
}

function batchRequest(store: VuStore | undefined, item: BatchItem): Promise<Response> {
  if (typeof item === 'string') return requestFor(store, 'GET', item, null, undefined);
  if (Array.isArray(item)) return requestFor(store, String(item[0]), item[1], item[2] ?? null, item[3]);
  if (item !== null && typeof item === 'object') return requestFor(store, item.method ?? 'GET', item.url, item.body ?? null, item.params);
  return Promise.reject(new Error(`http.batch: invalid request ${JSON.stringify(item)}`));
}

/** host:port of a batch item's URL ('' when it has none: it fails on its own). */
function batchHost(item: BatchItem): string {
  const raw = typeof item === 'string' ? item : Array.isArray(item) ? item[1] : (item as { url?: unknown } | null)?.url;
  const text = typeof raw === 'string' ? raw : String((raw as { url?: unknown } | null | undefined)?.url);
  try {
    return new URL(text).host;
  } catch {
    return '';
  }
}

/** k6's batch scheduling: `limit` workers take the items in order; each waits for a slot of its host. */
async function inBatches<T>(items: BatchItem[], limit: number, perHost: number, run: (item: BatchItem) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(items.length);
  const hosts = new Map<string, { active: number; waiting: Array<() => void> }>();
  const acquire = (host: string): Promise<void> | void => {
    if (perHost <= 0) return;
    let slot = hosts.get(host);
    if (slot === undefined) hosts.set(host, (slot = { active: 0, waiting: [] }));
    if (slot.active < perHost) {
      slot.active++;
      return;
    }
    return new Promise<void>((resolve) => slot.waiting.push(resolve));
  };
  const release = (host: string): void => {
    if (perHost <= 0) return;
    const slot = hosts.get(host)!;
    const next = slot.waiting.shift();
    // The slot passes straight to the next waiter.
    if (next !== undefined) next();
    else slot.active--;
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const host = batchHost(items[i]);
      await acquire(host);
      try {
        results[i] = await run(items[i]);
      } finally {
        release(host);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(items.length, limit) }, worker));
  return results;
}

const INIT_REQUEST_MESSAGE = 'making HTTP requests in the init context is not supported; move the request into default(), setup() or teardown()';

/**
 * A synchronous call made as written: in the init context, or, in a script rewritten for the event
 * loop, from a function JavaScript itself calls (worker VUs have their own module).
 */
function onlyOnWorkers(name: string): () => never {
  return () => {
    if (currentRun().phase === 'init') throw new Error(INIT_REQUEST_MESSAGE);
    throw new Error(`http.${name}(): ${WAIT_HERE_MESSAGE}`);
  };
}

/** The generator of a waiting call: refused in the init context before anything is sent. */
function waitingRequest<A extends unknown[], T>(start: (...args: A) => Promise<T>): unknown {
  const gen = waiting(start);
  return function* (this: unknown, ...args: unknown[]) {
    if (currentRun().phase === 'init') throw new Error(INIT_REQUEST_MESSAGE);
    return yield* gen.apply(this, args);
  };
}

// Called from a script rewritten for event-loop VUs (engine/coroutines.ts), they wait through their generator.
type Waiting = (() => never) & { [GEN]?: unknown };
function withBody(name: string, method: string): Waiting {
  const f: Waiting = onlyOnWorkers(name);
  f[GEN] = waitingRequest((url: unknown, body?: Body, params?: Params) => requestFor(currentStore(), method, url, body ?? null, params));
  return f;
}
function withoutBody(name: string, method: string): Waiting {
  const f: Waiting = onlyOnWorkers(name);
  f[GEN] = waitingRequest((url: unknown, params?: Params) => requestFor(currentStore(), method, url, null, params));
  return f;
}

export const request: Waiting = onlyOnWorkers('request');
request[GEN] = waitingRequest((method: unknown, url: unknown, body?: Body, params?: Params) => requestFor(currentStore(), String(method), url, body ?? null, params));
export const get = withoutBody('get', 'GET');
export const post = withBody('post', 'POST');
export const put = withBody('put', 'PUT');
export const patch = withBody('patch', 'PATCH');
export const del = withBody('del', 'DELETE');
export const head = withoutBody('head', 'HEAD');
export const options = withBody('options', 'OPTIONS');
export const batch: Waiting = onlyOnWorkers('batch');
batch[GEN] = waitingRequest((requests: BatchItem[] | Record<string, BatchItem>) => batchFor(currentStore(), requests));

/** http.cookieJar(): the VU's own jar. */
export function cookieJar(): CookieJar {
  const run = currentRun();
  return jarFor(currentStore()?.vu ?? run.setupVu);
}

export { url };

export function file(data: string | ArrayBuffer | Uint8Array, filename?: string, contentType = 'application/octet-stream'): FileData {
  return { data, filename, content_type: contentType, __k6file: true };
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
  cookieJar,
  CookieJar,
  expectedStatuses,
  setResponseCallback,
};
