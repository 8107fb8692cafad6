// `k6/x/sse`: the xk6-sse extension's API (phymbert/xk6-sse) on the engine's event loop.
//   const res = await sse.open(url, params, (client) => {
//     client.on('open', () => {}); client.on('event', (e) => e.id + e.name + e.data);
//     client.on('error', (e) => e.error()); client.close();
//   });
// Under k6 sse.open blocks and returns the response; here it returns a promise of it (an `await`
// is a no-op under k6, so one script runs on both). Handlers run synchronously in the socket's
// data callback, inside the calling VU's context: an event is handled the moment it is read.
// The stream itself (request, parsing, metrics) is engine/sse/session.ts.
import { InterruptedError } from '../http-errors.ts';
import { currentRun, type TestRun } from '../runtime.ts';
import { Client, openArgs, SseError, streamOptions, type Handler, type StreamOptions } from '../sse/api.ts';
import { SseSession, type SseEnd, type SseHandlers, type SseResponse } from '../sse/session.ts';
import type { SseEvent } from '../sse/parser.ts';
import { currentStore, vuStorage, type Vu, type VuStore } from '../vu.ts';

export type { Params } from '../sse/api.ts';

/** Calls a script function inside the VU's store (socket callbacks run outside it). */
function call(fn: Handler, arg: unknown, store: VuStore | undefined, onLate: (err: unknown) => void): void {
  const result = store === undefined || vuStorage.getStore() === store ? fn(arg) : vuStorage.run(store, fn, arg);
  // An async handler: its rejection ends the stream like a throw (k6 would ignore the promise).
  if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
    (result as Promise<unknown>).then(undefined, onLate);
  }
}

/** The last URLs asked for and where they point: a scenario opens the same URL on every stream. */
const targets = new Map<string, { origin: string; path: string } | string>();
const MAX_TARGETS = 64;

function parseTarget(url: string): { origin: string; path: string } | string {
  const known = targets.get(url);
  if (known !== undefined) return known;
  let target: { origin: string; path: string } | string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') target = `unsupported protocol scheme "${u.protocol.slice(0, -1)}"`;
    else target = { origin: u.origin, path: `${u.pathname}${u.search}` };
  } catch {
    target = `unsupported protocol scheme ""`;
  }
  if (targets.size >= MAX_TARGETS) targets.clear();
  targets.set(url, target);
  return target;
}

export function settle(run: TestRun, end: SseEnd): SseResponse {
  if (end.thrown !== undefined) throw end.thrown;
  if (end.interrupted) throw new InterruptedError('iteration interrupted');
  if (end.failure !== null && run.options.throw === true) throw new Error(end.failure);
  return end.response;
}

/**
 * The stream of one sse.open, for either kind of VU: a session to start, or, when the URL cannot
 * be requested at all, the response of that failure (its metrics pushed, as the extension does).
 */
export function createStream(
  run: TestRun,
  store: VuStore | undefined,
  vu: Vu,
  url: string,
  opts: StreamOptions,
  handlers: SseHandlers,
  sessionOpts?: { deferEventCount?: boolean },
): SseSession | SseEnd {
  const tags: Record<string, string> = { ...run.tagsFor(store), url, ...opts.tags };
  const target = parseTarget(url);
  if (typeof target === 'string') {
    // The extension's request fails before any connection; its metrics are still pushed.
    const failure = `${opts.method.charAt(0)}${opts.method.slice(1).toLowerCase()} "${url}": ${target}`;
    for (const m of [run.m.http_req_sending, run.m.http_reqs, run.m.http_req_sending, run.m.http_req_duration]) {
      run.add(m, m === run.m.http_reqs ? 1 : 0, tags, store);
    }
    return { response: { url: '', status: 0, headers: {}, error: failure }, failure, thrown: undefined, interrupted: false };
  }
  const request = { url, method: opts.method, origin: target.origin, path: target.path, headers: opts.headers, body: opts.body, timeoutMs: opts.timeoutMs, tags };
  return new SseSession(run, store, vu, request, handlers, sessionOpts);
}

/**
 * One event-loop sse.open: the handlers the session calls, run inside the VU's store. Methods, not
 * a closure per handler per stream.
 */
class LoopStream implements SseHandlers {
  /** What an async handler rejected with (the first), which ends the stream like a throw. */
  late: unknown = undefined;
  lateThrown = false;
  private readonly onLate = (err: unknown): void => {
    if (!this.lateThrown) {
      this.lateThrown = true;
      this.late = err;
    }
    this.client.close();
  };
  /** Client.emit's way to run a handler. */
  private readonly invoke = (fn: Handler, arg: unknown): void => call(fn, arg, this.store, this.onLate);

  constructor(
    private readonly client: Client,
    private readonly setup: Handler,
    private readonly store: VuStore | undefined,
  ) {}

  opened(): void {
    this.invoke(this.setup, this.client);
    this.client.emit('open', undefined, this.invoke);
  }

  event(event: SseEvent): void {
    this.client.emit('event', event, this.invoke);
  }

  error(message: string): void {
    this.client.emit('error', new SseError(message), this.invoke);
  }
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
  const { params, setup } = openArgs(args);
  const opts = streamOptions(params);
  const client = new Client();
  const handlers = new LoopStream(client, setup, store);
  const stream = createStream(run, store, vu, String(url), opts, handlers);
  if (!(stream instanceof SseSession)) {
    try {
      return Promise.resolve(settle(run, stream));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  client.bind(() => stream.close());
  return stream.start().then((end) => {
    if (handlers.lateThrown && end.thrown === undefined) throw handlers.late;
    return settle(run, end);
  });
}

export default { open };
