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
  let late: unknown;
  let lateThrown = false;
  const onLate = (err: unknown) => {
    if (!lateThrown) {
      lateThrown = true;
      late = err;
    }
    client.close();
  };
  const invoke = (fn: Handler, arg: unknown) => call(fn, arg, store, onLate);
  const stream = createStream(run, store, vu, String(url), opts, {
    opened: () => {
      invoke(setup, client);
      client.emit('open', undefined, invoke);
    },
    event: (event: SseEvent) => client.emit('event', event, invoke),
    error: (message: string) => client.emit('error', new SseError(message), invoke),
  });
  if (!(stream instanceof SseSession)) {
    try {
      return Promise.resolve(settle(run, stream));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  client.bind(() => stream.close());
  return stream.start().then((end) => {
    if (lateThrown && end.thrown === undefined) throw late;
    return settle(run, end);
  });
}

export default { open };
