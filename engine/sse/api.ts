// The script-facing pieces of `k6/x/sse` that both kinds of VU share: sse.open's argument checks
// and params (with the extension's messages), the `client` the callback receives, and the error
// object `error` handlers get. Pure code: the worker VUs' runtime bundles it too.
import { parseDurationMs } from '../../lib/duration.ts';
import { USER_AGENT } from '../version.ts';

export type Handler = (arg?: unknown) => unknown;

export interface Params {
  method?: string;
  body?: unknown;
  headers?: Record<string, unknown>;
  tags?: Record<string, unknown>;
  timeout?: string;
  /** A k6/http CookieJar; the engine has no cookie jars, so it is accepted and not used. */
  jar?: unknown;
}

/** The request an sse.open makes, from its params (plain data: it crosses to the main thread). */
export interface StreamOptions {
  method: string;
  /** Flat [name, value, ...]. */
  headers: string[];
  body: string;
  /** 0 = none (the extension's default). */
  timeoutMs: number;
  tags: Record<string, string>;
}

/** sse.open's arguments after the url: ([params], callback). */
export function openArgs(args: unknown[]): { params: unknown; setup: Handler } {
  let params: unknown;
  let callback: unknown;
  if (args.length === 2) [params, callback] = args;
  else if (args.length === 1) [callback] = args;
  else throw new Error('invalid number of arguments to sse.open');
  if (typeof callback !== 'function') throw new Error('last argument to sse.open must be a function');
  return { params, setup: callback as Handler };
}

/** The last `timeout` param read: a script passes the same one on every stream. */
let lastTimeout: { text: string; ms: number } | null = null;

/** Go's time.ParseDuration: a unit is required ("30s", "500ms"). */
function timeoutMs(text: string): number {
  if (lastTimeout !== null && text === lastTimeout.text) return lastTimeout.ms;
  const ms = /^\s*\d+(\.\d+)?\s*$/.test(text) ? null : parseDurationMs(text, 'ms');
  if (ms === null) throw new Error(`invalid sse.open() timeout: time: invalid duration "${text}"`);
  lastTimeout = { text, ms };
  return ms;
}

export function streamOptions(paramsV: unknown): StreamOptions {
  // Header names are case-insensitive and set, not added (Go's Header.Set).
  const headers = new Map<string, [string, string]>([
    ['user-agent', ['User-Agent', USER_AGENT]],
    ['accept', ['Accept', 'text/event-stream']],
  ]);
  const parsed: StreamOptions = { method: 'GET', headers: [], body: '', timeoutMs: 0, tags: {} };
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
    if (params.timeout !== undefined && params.timeout !== null) parsed.timeoutMs = timeoutMs(String(params.timeout));
  }
  for (const [name, value] of headers.values()) parsed.headers.push(name, value);
  return parsed;
}

/** What an `error` handler receives: the extension hands over a Go error, read with error(). */
export class SseError {
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
export class Client {
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

  /** @internal Runs the handlers of `name` through `invoke`; a throw propagates (the stream closes). */
  emit(name: string, arg: unknown, invoke: (fn: Handler, arg: unknown) => void): void {
    const list = this.#handlers.get(name);
    if (list === undefined) return;
    for (const handler of list) invoke(handler, arg);
  }
}
