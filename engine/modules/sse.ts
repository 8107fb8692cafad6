// `k6/x/sse`: the xk6-sse extension's API (phymbert/xk6-sse) on the engine's event loop.
//   const res = await sse.open(url, params, (client) => {
//     client.on('open', () => {}); client.on('event', (e) => e.id + e.name + e.data);
//     client.on('error', (e) => e.error()); client.close();
//   });
// Under k6 sse.open blocks and returns the response; here it returns a promise of it (an `await`
// is a no-op under k6, so one script runs on both). Handlers run synchronously in the socket's
// data callback, inside the calling VU's context: an event is handled the moment it is read.
// The stream itself (request, parsing, metrics) is engine/sse/session.ts.
import { parseDurationMs } from '../../lib/duration.ts';
import { InterruptedError } from '../http-errors.ts';
import { currentRun, type TestRun } from '../runtime.ts';
import { SseSession, type SseEnd, type SseResponse } from '../sse/session.ts';
import type { SseEvent } from '../sse/parser.ts';
import { USER_AGENT } from '../version.ts';
import { currentStore, vuStorage, type VuStore } from '../vu.ts';

type Handler = (arg?: unknown) => unknown;

export interface Params {
  method?: string;
  body?: unknown;
  headers?: Record<string, unknown>;
  tags?: Record<string, unknown>;
  timeout?: string;
  /** A k6/http CookieJar; the engine has no cookie jars, so it is accepted and not used. */
  jar?: unknown;
}

/** What an `error` handler receives: the extension hands over a Go error, read with error(). */
class SseError {
  readonly #message: string;
  constructor(message: string) {
    this.#message = message;
  }
  error(): string {
    return this.#message;
  }
  toString(): string {
    return this.#message;
  }
}

/** The `client` the setup callback receives. */
class Client {
  readonly #handlers = new Map<string, Handler[]>();
  #close: () => void = () => {};

  /** Adds a handler for 'open', 'event' or 'error' (several per name run in order; non-functions are ignored). */
  on(event: string, handler: unknown): void {
    if (typeof handler !== 'function') return;
    const name = String(event);
    const list = this.#handlers.get(name);
    if (list === undefined) this.#handlers.set(name, [handler as Handler]);
    else list.push(handler as Handler);
  }

  /** Ends the stream: no later event is delivered; sse.open then returns the response. */
  close(): void {
    this.#close();
  }

  /** @internal */
  bind(close: () => void): void {
    this.#close = close;
  }

  /** @internal Runs the handlers of `name`; a throw propagates (the session closes the stream). */
  emit(name: string, arg: unknown, store: VuStore | undefined, onLate: (err: unknown) => void): void {
    const list = this.#handlers.get(name);
    if (list === undefined) return;
    for (const handler of list) call(handler, arg, store, onLate);
  }
}

/** Calls a script function inside the VU's store (socket callbacks run outside it). */
function call(fn: Handler, arg: unknown, store: VuStore | undefined, onLate: (err: unknown) => void): void {
  const result = store === undefined || vuStorage.getStore() === store ? fn(arg) : vuStorage.run(store, fn, arg);
  // An async handler: its rejection ends the stream like a throw (k6 would ignore the promise).
  if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
    (result as Promise<unknown>).then(undefined, onLate);
  }
}

interface Parsed {
  method: string;
  headers: string[];
  body: string;
  timeoutMs: number;
  tags: Record<string, string>;
  setup: Handler;
}

function parseArgs(args: unknown[]): Parsed {
  let paramsV: unknown;
  let callback: unknown;
  if (args.length === 2) [paramsV, callback] = args;
  else if (args.length === 1) [callback] = args;
  else throw new Error('invalid number of arguments to sse.open');
  if (typeof callback !== 'function') throw new Error('last argument to sse.open must be a function');
  // Header names are case-insensitive and set, not added (Go's Header.Set).
  const headers = new Map<string, [string, string]>([
    ['user-agent', ['User-Agent', USER_AGENT]],
    ['accept', ['Accept', 'text/event-stream']],
  ]);
  const parsed: Parsed = { method: 'GET', headers: [], body: '', timeoutMs: 0, tags: {}, setup: callback as Handler };
  if (paramsV !== undefined && paramsV !== null) {
    const params = paramsV as Params;
    if (params.headers !== undefined && params.headers !== null) {
      for (const key of Object.keys(params.headers)) headers.set(key.toLowerCase(), [key, String(params.headers[key])]);
    }
    if (params.tags !== undefined && params.tags !== null) {
      if (typeof params.tags !== 'object') throw new Error('invalid sse.open() metric tags: expected an object');
      for (const key of Object.keys(params.tags)) parsed.tags[key] = String(params.tags[key]);
    }
    if (params.method !== undefined) parsed.method = String(params.method).trim() || 'GET';
    if (params.body !== undefined) parsed.body = String(params.body).trim();
    if (params.timeout !== undefined && params.timeout !== null) {
      const text = String(params.timeout);
      // Go's time.ParseDuration: a unit is required ("30s", "500ms").
      const ms = /^\s*\d+(\.\d+)?\s*$/.test(text) ? null : parseDurationMs(text, 'ms');
      if (ms === null) throw new Error(`invalid sse.open() timeout: time: invalid duration "${text}"`);
      parsed.timeoutMs = ms;
    }
  }
  for (const [name, value] of headers.values()) parsed.headers.push(name, value);
  return parsed;
}

function parseTarget(url: string): { origin: string; path: string } | string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `unsupported protocol scheme ""`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `unsupported protocol scheme "${u.protocol.slice(0, -1)}"`;
  return { origin: u.origin, path: `${u.pathname}${u.search}` };
}

function settle(run: TestRun, end: SseEnd): SseResponse {
  if (end.thrown !== undefined) throw end.thrown;
  if (end.interrupted) throw new InterruptedError('iteration interrupted');
  if (end.failure !== null && run.options.throw === true) throw new Error(end.failure);
  return end.response;
}

/**
 * sse.open(url, [params], callback): opens the stream, runs `callback(client)` once the response
 * headers are in, then delivers 'open', each 'event' and each 'error'; resolves with the response
 * when the stream ends or client.close() is called. Bad arguments throw at once, as under k6.
 */
export function open(url: string, ...args: unknown[]): Promise<SseResponse> {
  const run = currentRun();
  if (run.phase === 'init') throw new Error('using sse in the init context is not supported');
  const store = currentStore();
  const vu = store?.vu ?? run.setupVu;
  if (vu.interrupted) return Promise.reject(new InterruptedError('iteration interrupted'));
  const parsed = parseArgs(args);
  const urlText = String(url);
  const tags: Record<string, string> = { ...run.tagsFor(store), url: urlText, ...parsed.tags };
  const target = parseTarget(urlText);
  if (typeof target === 'string') {
    // The extension's request fails before any connection; its metrics are still pushed.
    const failure = `${parsed.method.charAt(0)}${parsed.method.slice(1).toLowerCase()} "${urlText}": ${target}`;
    for (const m of [run.m.http_req_sending, run.m.http_reqs, run.m.http_req_sending, run.m.http_req_duration]) {
      run.add(m, m === run.m.http_reqs ? 1 : 0, tags, store);
    }
    if (run.options.throw === true) return Promise.reject(new Error(failure));
    return Promise.resolve({ url: '', status: 0, headers: {}, error: failure });
  }
  const client = new Client();
  let late: unknown;
  let lateThrown = false;
  const onLate = (err: unknown) => {
    if (!lateThrown) {
      lateThrown = true;
      late = err;
    }
    session.close();
  };
  const session = new SseSession(
    run,
    store,
    vu,
    { url: urlText, method: parsed.method, origin: target.origin, path: target.path, headers: parsed.headers, body: parsed.body, timeoutMs: parsed.timeoutMs, tags },
    {
      opened: () => {
        call(parsed.setup, client, store, onLate);
        client.emit('open', undefined, store, onLate);
      },
      event: (event: SseEvent) => client.emit('event', event, store, onLate),
      error: (message: string) => client.emit('error', new SseError(message), store, onLate),
    },
  );
  client.bind(() => session.close());
  return session.start().then((end) => {
    if (lateThrown && end.thrown === undefined) throw late;
    return settle(run, end);
  });
}

export default { open };
