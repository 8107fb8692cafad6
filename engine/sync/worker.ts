// One worker VU: runs the script's init code in its own thread, then the iterations the main
// thread asks for. Synchronous k6 calls (http.get, http.batch, SharedArray, ...) post a message
// and block on Atomics.wait until the main thread, which owns the transport, the metrics and the
// checks, has answered. sleep() blocks this thread alone. Bundled by esbuild into a string at
// run time (see host.ts); it must not import the main thread's modules (undici, the registry).
import { Console } from 'node:console';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import * as crypto from '../modules/crypto.ts';
import * as encoding from '../modules/encoding.ts';
import html from '../modules/html.ts';
import { consoleText, deepStack, fail, metricValue, randomSeed, url } from '../modules/pure.ts';
import { Response, type ResponseWire } from '../modules/response.ts';
import { SHARED_ARRAY_ASYNC_MESSAGE, encodeSharedArray, sharedArrayView, type SharedArrayData } from '../modules/shared-array.ts';
import { CompiledScript, isAsyncFunction, moduleRequire, type ScriptExports } from '../script/compiled.ts';
import type { FromWorker, ScenarioInfo, SsePush, ToWorker, WorkerInit } from './protocol.ts';
import { workerSse } from './worker-sse.ts';

const init = workerData as WorkerInit;
// The engine exposes gc() to its workers for one collection after the init code (V8 installs it
// as a fixed global, so scripts could see it too).
const collect = (globalThis as { gc?: () => void }).gc;
const port = parentPort!;
const flag = new Int32Array(init.flag);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
(globalThis as { __llmuxModuleBase?: string }).__llmuxModuleBase = init.moduleBase;

const CHECK_ASYNC_MESSAGE =
  'the built-in check() does not support async functions as arguments. Use the JavaScript utils library as a replacement. ' +
  'Refer to https://grafana.com/docs/k6/latest/javascript-api/jslib/utils/check/ for more info';
const GROUP_ASYNC_MESSAGE = 'group() does not support async functions as arguments, please see https://grafana.com/docs/k6/latest/javascript-api/k6/group/#working-with-async-functions for more info';

class TestAbortError extends Error {
  override name = 'TestAbortError';
}

// --- state of this VU
let phase: 'init' | 'vu' = 'init';
let group = '';
let iteration = -1;
let iterInScenario = -1;
let iterInTest = -1;
let iterInInstance = -1;
let scenario: ScenarioInfo | null = null;
let env: Record<string, string> = init.env;
let data: unknown = undefined;
const userTags: Record<string, string> = {};
/** The VU's tags outside any group, from the main thread (run and scenario tags, scenario name). */
let baseTags: Record<string, string> = {};
const metadata: Record<string, string> = {};

/**
 * Messages that need no answer (checks, metric samples, tags, groups) wait here and cross with the
 * next message that must go now, or at the latest one turn of the event loop later: each port
 * message costs both threads a wake-up, and an iteration with a request and two checks sent four.
 */
let outbox: FromWorker[] = [];
const OUTBOX_MAX = 64;

/** Sends `msg` now, with whatever waits in the outbox before it. */
function post(msg: FromWorker): void {
  if (outbox.length === 0) port.postMessage(msg);
  else {
    outbox.push(msg);
    flush();
  }
}

/** Sends what waits in the outbox. */
function flush(): void {
  if (outbox.length === 0) return;
  const list = outbox;
  outbox = [];
  port.postMessage(list.length === 1 ? list[0] : ({ t: 'batch', list } satisfies FromWorker));
}

/** When the oldest message in the outbox was queued. */
let outboxSince = 0;
/** A script busy in a loop never yields to the event loop: its samples still cross this often. */
const OUTBOX_MAX_AGE_MS = 100;

/** Queues a message that needs no answer. */
function queue(msg: FromWorker): void {
  if (outbox.push(msg) === 1) {
    outboxSince = performance.now();
    setImmediate(flush);
  } else if (outbox.length >= OUTBOX_MAX || performance.now() - outboxSince >= OUTBOX_MAX_AGE_MS) flush();
}

/** What the main thread posted on `replies` since the last wake-up (blocks until it wakes this thread). */
function receive(): unknown[] {
  Atomics.wait(flag, 0, 0);
  Atomics.store(flag, 0, 0);
  const messages: unknown[] = [];
  for (let m = receiveMessageOnPort(init.replies); m !== undefined; m = receiveMessageOnPort(init.replies)) messages.push(m.message);
  // Empty when a wake-up's message was taken with the one before it.
  return messages;
}

/** What happened on the VU's SSE stream while it waited for a reply (a handler's http.get), oldest first. */
const pushed: SsePush[] = [];

/** A synchronous call into the main thread. */
function call(op: string, ...args: unknown[]): unknown {
  post({ t: 'sync', op, args, group });
  for (;;) {
    let reply: { value?: unknown; error?: string } | undefined;
    for (const m of receive()) {
      if ((m as SsePush).sse !== undefined) pushed.push(m as SsePush);
      else reply = m as typeof reply;
    }
    if (reply === undefined) continue;
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply.value;
  }
}

/** The next thing that happened on the VU's SSE stream (blocks until there is one). */
function nextPush(): SsePush {
  for (;;) {
    const next = pushed.shift();
    if (next !== undefined) return next;
    pushed.push(...(receive() as SsePush[]));
  }
}

// --- asynchronous calls (http.asyncRequest): answered on the worker's own event loop
let nextId = 0;
const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
let pending = 0;
let idle: (() => void) | null = null;
const settle = (): void => {
  if (--pending === 0 && idle !== null) {
    const wake = idle;
    idle = null;
    wake();
  }
};

function callAsync(op: string, ...args: unknown[]): Promise<unknown> {
  const id = ++nextId;
  pending++;
  post({ t: 'async', id, op, args, group });
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject })).finally(settle);
}

// --- timers: an iteration ends once the timers it started ran or were cleared
const owned = new Set<unknown>();
const trackedTimers = {
  setTimeout: (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (phase !== 'vu' || typeof fn !== 'function') return setTimeout(fn, ms, ...args);
    pending++;
    const t = setTimeout(() => {
      try {
        fn(...args);
      } finally {
        if (owned.delete(t)) settle();
      }
    }, ms);
    owned.add(t);
    return t;
  },
  clearTimeout: (t: NodeJS.Timeout) => {
    clearTimeout(t);
    if (owned.delete(t)) settle();
  },
  setInterval: (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (phase !== 'vu' || typeof fn !== 'function') return setInterval(fn, ms, ...args);
    pending++;
    const t = setInterval(fn, ms, ...args);
    owned.add(t);
    return t;
  },
  clearInterval: (t: NodeJS.Timeout) => {
    clearInterval(t);
    if (owned.delete(t)) settle();
  },
};

// --- console: lines go to the main thread, which prints them in k6's log format
const scriptConsole = new Console({ stdout: process.stderr, stderr: process.stderr });
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  (scriptConsole as unknown as Record<string, unknown>)[level] = (...args: unknown[]) => post({ t: 'log', level, text: consoleText(args) });
}
globalThis.console = scriptConsole;

// --- k6
function check(value: unknown, sets: Record<string, unknown>, tags?: Record<string, string>): boolean {
  if (phase === 'init') throw new Error('Using check() in the init context is not supported');
  let all = true;
  for (const name of Object.keys(sets)) {
    if (name.includes('::')) throw new Error(`group and check names may not contain '::' (check "${name}")`);
    const checker = sets[name];
    if (isAsyncFunction(checker)) throw new Error(CHECK_ASYNC_MESSAGE);
    const passed = Boolean(typeof checker === 'function' ? (checker as (v: unknown) => unknown)(value) : checker);
    if (!passed) all = false;
    queue({ t: 'check', group, name, passed, tags: tags ? Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)])) : undefined });
  }
  return all;
}

function groupFn<T>(name: string, fn: () => T): T {
  if (phase === 'init') throw new Error('Using group() in the init context is not supported');
  if (typeof fn !== 'function') throw new TypeError(`group "${name}": the second argument must be a function`);
  if (isAsyncFunction(fn)) throw new Error(GROUP_ASYNC_MESSAGE);
  if (String(name).includes('::')) throw new Error(`group and check names may not contain '::' (group "${name}")`);
  const parent = group;
  queue({ t: 'group', parent, name: String(name) });
  group = `${parent}::${name}`;
  const start = performance.now();
  try {
    return fn();
  } finally {
    queue({ t: 'groupDuration', group, ms: performance.now() - start });
    group = parent;
  }
}

function sleep(seconds: number): void {
  const ms = Number(seconds) * 1000;
  if (ms <= 0) return;
  // What the VU did before it sleeps reaches the metrics now, not after the sleep.
  flush();
  Atomics.wait(sleeper, 0, 0, ms);
}

// --- k6/http
type Params = Record<string, unknown> & { jar?: unknown; responseCallback?: unknown };

/** Params as they cross to the main thread (jars by id, expectedStatuses by ranges). */
function wireParams(params: unknown): unknown {
  if (params === null || typeof params !== 'object') return params;
  const p = { ...(params as Params) };
  if (p.jar instanceof WorkerCookieJar) p.jar = { __jarId: p.jar.id };
  if (p.responseCallback instanceof ExpectedStatuses) p.responseCallback = { ranges: p.responseCallback.ranges };
  return p;
}

function request(method: string, url: unknown, body?: unknown, params?: unknown): Response {
  if (phase === 'init') throw new Error('making HTTP requests in the init context is not supported; move the request into default(), setup() or teardown()');
  return Response.fromWire(call('http', method, url, body ?? null, wireParams(params)) as ResponseWire);
}

function asyncRequest(method: string, url: unknown, body?: unknown, params?: unknown): Promise<Response> {
  if (phase === 'init') return Promise.reject(new Error('making HTTP requests in the init context is not supported; move the request into default(), setup() or teardown()'));
  return callAsync('http', method, url, body ?? null, wireParams(params)).then((w) => Response.fromWire(w as ResponseWire));
}

function batch(requests: unknown): unknown {
  if (phase === 'init') throw new Error('making HTTP requests in the init context is not supported; move the request into default(), setup() or teardown()');
  const wire = (item: unknown): unknown => {
    if (Array.isArray(item)) return [item[0], item[1], item[2] ?? null, wireParams(item[3])];
    if (item !== null && typeof item === 'object') return { ...(item as object), params: wireParams((item as { params?: unknown }).params) };
    return item;
  };
  const list = Array.isArray(requests) ? requests.map(wire) : Object.fromEntries(Object.entries(requests as object).map(([k, v]) => [k, wire(v)]));
  const out = call('batch', list) as ResponseWire[] | Record<string, ResponseWire>;
  if (Array.isArray(out)) return out.map((w) => Response.fromWire(w));
  return Object.fromEntries(Object.entries(out).map(([k, w]) => [k, Response.fromWire(w)]));
}

class ExpectedStatuses {
  constructor(readonly ranges: Array<[number, number]>) {}
}

function expectedStatuses(...specs: Array<number | { min: number; max: number }>): ExpectedStatuses {
  return new ExpectedStatuses(
    specs.map((s, i): [number, number] => {
      if (typeof s === 'number') return [s, s];
      if (s && typeof s.min === 'number' && typeof s.max === 'number') return [s.min, s.max];
      throw new Error(`http.expectedStatuses: argument ${i + 1} must be a status code or {min, max}`);
    }),
  );
}

class WorkerCookieJar {
  readonly id: number;
  constructor(id?: number) {
    this.id = id ?? (call('jarNew') as number);
  }
  cookiesForURL(url: string): Record<string, string[]> {
    return call('jar', this.id, 'cookiesForURL', url) as Record<string, string[]>;
  }
  set(url: string, name: string, value: string, opts?: unknown): void {
    call('jar', this.id, 'set', url, name, value, opts);
  }
  clear(url: string): void {
    call('jar', this.id, 'clear', url);
  }
  delete(url: string, name: string): void {
    call('jar', this.id, 'delete', url, name);
  }
}

const http = {
  request,
  get: (u: unknown, p?: unknown) => request('GET', u, null, p),
  head: (u: unknown, p?: unknown) => request('HEAD', u, null, p),
  post: (u: unknown, b?: unknown, p?: unknown) => request('POST', u, b, p),
  put: (u: unknown, b?: unknown, p?: unknown) => request('PUT', u, b, p),
  patch: (u: unknown, b?: unknown, p?: unknown) => request('PATCH', u, b, p),
  del: (u: unknown, b?: unknown, p?: unknown) => request('DELETE', u, b, p),
  options: (u: unknown, b?: unknown, p?: unknown) => request('OPTIONS', u, b, p),
  batch,
  asyncRequest,
  url,
  file: (data: unknown, filename?: string, contentType = 'application/octet-stream') => ({ data, filename, content_type: contentType, __k6file: true }),
  cookieJar: () => new WorkerCookieJar(0),
  CookieJar: WorkerCookieJar,
  expectedStatuses,
  setResponseCallback: (cb: ExpectedStatuses | null) => {
    call('setResponseCallback', cb === null ? null : { ranges: cb.ranges });
  },
};

// --- k6/metrics
function metricClass(type: 'counter' | 'gauge' | 'rate' | 'trend') {
  return class {
    readonly name: string;
    readonly #isTime: boolean;
    constructor(name: string, isTime = false) {
      if (phase !== 'init') throw new Error(`metric '${name}': custom metrics can only be created in the init context`);
      this.name = String(name);
      this.#isTime = type === 'trend' && Boolean(isTime);
      queue({ t: 'defineMetric', name: this.name, type, isTime: this.#isTime });
    }
    add(value: unknown, tags?: Record<string, unknown>): boolean {
      if (phase === 'init') throw new Error(`metric '${this.name}': samples cannot be added in the init context`);
      const n = metricValue(value, this.name);
      // k6 logs a value it cannot take and returns false (throws with options.throw).
      if (typeof n !== 'number') {
        if (init.throwErrors) throw new Error(n.error);
        queue({ t: 'warn', text: n.error });
        return false;
      }
      const v = type === 'rate' ? (n !== 0 ? 1 : 0) : n;
      // A copy: the message crosses later, and the script may change its tags object meanwhile.
      queue({ t: 'metric', group, name: this.name, type, isTime: this.#isTime, value: v, tags: tags === undefined || tags === null ? undefined : { ...tags } });
      return true;
    }
  };
}

// --- k6/execution
const outside = (what: string): never => {
  throw new Error(`exec.${what} is only available while a scenario runs (not in the init context, setup or teardown)`);
};
const scenarioOf = (what: string): ScenarioInfo => scenario ?? outside(`scenario.${what}`);
/** exec.vu.metrics.tags: reads show the VU's current tags (as k6), writes go to the script's own. */
const tagsProxy = () =>
  new Proxy({ ...baseTags, group, ...userTags } as Record<string, string>, {
    set(target, key, value) {
      if (typeof key !== 'string') return false;
      userTags[key] = target[key] = String(value);
      queue({ t: 'tag', key, value: String(value) });
      return true;
    },
    deleteProperty(target, key) {
      if (typeof key === 'string' && key in userTags) {
        delete userTags[key];
        delete target[key];
        queue({ t: 'tag', key, value: null });
      }
      return true;
    },
  });
const instanceStat = (key: string) => () => (call('instance') as Record<string, number>)[key];
const execution = {
  instance: Object.defineProperties({}, Object.fromEntries(['iterationsInterrupted', 'iterationsCompleted', 'vusActive', 'vusInitialized', 'currentTestRunDuration'].map((k) => [k, { get: instanceStat(k), enumerable: true }]))),
  scenario: {
    get name() {
      return scenarioOf('name').name;
    },
    get executor() {
      return scenarioOf('executor').executor;
    },
    get startTime() {
      return scenarioOf('startTime').startTime;
    },
    get progress() {
      return scenarioOf('progress').progress;
    },
    get iterationInInstance() {
      return scenario ? iterInInstance : outside('scenario.iterationInInstance');
    },
    get iterationInTest() {
      return scenario ? iterInTest : outside('scenario.iterationInTest');
    },
  },
  vu: {
    get iterationInInstance() {
      return iteration;
    },
    get iterationInScenario() {
      return iterInScenario;
    },
    get idInInstance() {
      return init.id;
    },
    get idInTest() {
      return init.id;
    },
    get tags() {
      return tagsProxy();
    },
    metrics: {
      get tags() {
        return tagsProxy();
      },
      get metadata() {
        return metadata;
      },
    },
  },
  test: {
    abort(reason?: string): never {
      const message = reason ? `test aborted: ${reason}` : 'test aborted';
      call('abort', message);
      throw new TestAbortError(message);
    },
    fail(reason?: string): void {
      post({ t: 'fail', reason });
    },
    get options(): Record<string, unknown> {
      return call('options') as Record<string, unknown>;
    },
  },
};

// --- k6/data
const SharedArray = function SharedArray(name: string, fn: () => unknown) {
  if (!new.target) throw new TypeError("SharedArray must be called with 'new'");
  if (phase !== 'init') throw new Error('new SharedArray must be called in the init context');
  if (typeof name !== 'string' || name === '') throw new Error("empty name provided to SharedArray's constructor");
  if (isAsyncFunction(fn)) throw new Error(SHARED_ARRAY_ASYNC_MESSAGE);
  if (typeof fn !== 'function') throw new Error("a function is expected as the second argument of SharedArray's constructor");
  let shared = call('sharedArray', name) as SharedArrayData | null;
  if (shared === null) shared = call('sharedArraySet', name, encodeSharedArray(fn())) as SharedArrayData;
  return sharedArrayView(shared);
} as unknown as new (name: string, fn: () => unknown) => unknown;

// --- k6/x/sse
const sse = workerSse({ post, nextPush, inInit: () => phase === 'init', group: () => group });

const k6 = { check, group: groupFn, sleep, fail, randomSeed };
const modules: Record<string, Record<string, unknown>> = {
  k6,
  'k6/http': http,
  'k6/metrics': { Counter: metricClass('counter'), Gauge: metricClass('gauge'), Rate: metricClass('rate'), Trend: metricClass('trend') },
  'k6/execution': execution,
  'k6/timers': trackedTimers,
  'k6/encoding': encoding,
  'k6/crypto': crypto,
  'k6/data': { SharedArray },
  'k6/html': html,
  'k6/x/sse': sse,
};

function open(path: string, mode?: string): string | ArrayBuffer {
  if (phase !== 'init') throw new Error('the "open" function is only available in the init stage (i.e. the global scope)');
  // The main thread maps the stack to the calling module (relative paths resolve against it).
  return call('open', path, mode, deepStack()) as string | ArrayBuffer;
}

const g = globalThis as Record<string, unknown>;
g.__VU = init.id;
g.__ITER = 0;
g.__ENV = env;

function errorText(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}

// Errors nobody can catch (a timer callback that throws, a rejection nobody handles) would end the
// thread; the main thread logs them as it logs its own, one k6 line each, and the VU goes on.
const uncaught =
  (kind: 'exception' | 'rejection') =>
  (e: unknown): void =>
    post(e instanceof Error ? { t: 'uncaught', kind, name: e.name, message: e.message, stack: e.stack } : { t: 'uncaught', kind, value: String(e) });
process.on('uncaughtException', uncaught('exception'));
process.on('unhandledRejection', uncaught('rejection'));

let exports: ScriptExports = {};
try {
  const compiled = new CompiledScript(init.path, init.code, init.codeCache);
  exports = compiled.instantiate({ require: moduleRequire(modules), open, ...trackedTimers } as never);
  phase = 'vu';
  collect?.();
  post({ t: 'ready' });
} catch (e) {
  post({ t: 'initError', error: errorText(e) });
}

/** Runs `fn` and waits for the promises and timers it started (k6's event loop). */
async function runToIdle(fn: () => unknown): Promise<unknown> {
  let value = fn();
  if (value !== null && typeof value === 'object' && typeof (value as Promise<unknown>).then === 'function') value = await value;
  if (pending > 0) await new Promise<void>((r) => (idle = r));
  return value;
}

port.on('message', (msg: ToWorker) => {
  if (msg.t === 'reply') {
    const w = waiting.get(msg.id);
    waiting.delete(msg.id);
    if (msg.error !== undefined) w?.reject(new Error(msg.error));
    else w?.resolve(msg.value);
    return;
  }
  if (msg.t === 'iter') {
    iteration = msg.iter;
    iterInScenario = msg.iterInScenario;
    iterInTest = msg.iterInTest;
    iterInInstance = msg.iterInInstance;
    scenario = msg.scenario;
    if (msg.env !== undefined) g.__ENV = env = msg.env;
    if (msg.data !== undefined) data = msg.data === '' ? undefined : JSON.parse(msg.data);
    if (msg.tags !== undefined) baseTags = msg.tags;
    g.__ITER = iteration;
    group = '';
    const fn = exports[msg.exec] as (d: unknown) => unknown;
    runToIdle(() => fn(data)).then(
      () => post({ t: 'done' }),
      (e: unknown) => post({ t: 'done', error: errorText(e), aborted: e instanceof TestAbortError }),
    );
    return;
  }
  if (msg.t === 'end') {
    // Nothing more will come: the thread ends when the script's own timers are done.
    port.unref();
    return;
  }
  if (msg.t === 'call') {
    phase = 'vu';
    scenario = null;
    baseTags = msg.tags;
    group = '';
    const fn = exports[msg.fn] as ((arg?: unknown) => unknown) | undefined;
    const arg = msg.arg === undefined || msg.arg === null ? undefined : JSON.parse(msg.arg);
    runToIdle(() => fn?.(arg)).then(
      (value) => post({ t: 'result', value: msg.fn === 'handleSummary' ? value : value === undefined ? undefined : JSON.stringify(value) }),
      (e: unknown) => post({ t: 'result', error: errorText(e), aborted: e instanceof TestAbortError }),
    );
  }
});
