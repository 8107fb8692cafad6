// The main thread's side of the worker VUs: starts a worker per VU, answers its calls through the
// engine's own HTTP client, metrics, checks and groups (one implementation for both kinds of VU),
// and runs its iterations. Terminating the worker interrupts whatever the script does, a busy loop
// included, so the run keeps to its deadlines and to Ctrl-C.
import { MessageChannel, Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { build } from 'esbuild';
import { sharedArrayData, storeSharedArray } from '../modules/data.ts';
import { CookieJar, jarFor } from '../modules/cookies.ts';
import { batchFor, requestFor, setResponseCallback, type Params, type Response } from '../modules/http.ts';
import { recordCheck, recordGroupDuration } from '../modules/k6.ts';
import { recordCustom } from '../modules/metrics.ts';
import type { MetricType } from '../metrics/index.ts';
import type { TestRun } from '../runtime.ts';
import { CompiledScript } from '../script/compiled.ts';
import { openFile } from '../script/load.ts';
import { engineLog } from '../script-console.ts';
import type { Vu, VuStore } from '../vu.ts';
import type { FromWorker, SsePush, ToWorker, WorkerInit } from './protocol.ts';
import { WorkerSseStream } from './sse-host.ts';

let workerSource: Promise<string> | null = null;

/** The worker runtime as one CommonJS string (bundled once per process). */
function workerRuntime(): Promise<string> {
  workerSource ??= build({
    entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['cheerio'],
    logLevel: 'silent',
  }).then((r) => `(function (require, module, exports) {${r.outputFiles[0].text}\n})`);
  return workerSource;
}

/**
 * What every worker of a run compiles: the runtime and the script's bundle, each with V8's code
 * cache made once here, so a worker skips parsing them (the bigger the script, the more it saves).
 * The caches live in shared memory: one copy for all the workers.
 */
export interface WorkerCode {
  runtime: string;
  runtimeCache: Uint8Array;
  script: string;
  scriptCache: Uint8Array;
}

function shared(bytes: Uint8Array): Uint8Array {
  const view = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  view.set(bytes);
  return view;
}

async function workerCode(path: string, script: string): Promise<WorkerCode> {
  const runtime = await workerRuntime();
  return {
    runtime,
    runtimeCache: shared(new Script(runtime, { filename: WORKER_RUNTIME_NAME }).createCachedData()),
    script,
    scriptCache: shared(new CompiledScript(path, script).codeCache()),
  };
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface IterationOutcome {
  error?: Error;
  aborted?: boolean;
  interrupted?: boolean;
}

/** A script error text from a worker, as an Error whose stack is that text. */
function remoteError(text: string): Error {
  const e = new Error(text.split('\n')[0]);
  e.stack = text;
  return e;
}

export class WorkerVu {
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly flag: Int32Array;
  private readonly replies: MessageChannel;
  private readonly jars = new Map<number, CookieJar>();
  private nextJar = 1;
  private outcome: ((o: IterationOutcome) => void) | null = null;
  private result: ((r: { value?: unknown; error?: Error; aborted?: boolean }) => void) | null = null;
  private exited = false;
  /** The VU's current (or last) sse.open stream. */
  private sse: WorkerSseStream | null = null;
  private sentData = false;
  private sentEnv: Record<string, string> | null = null;
  private sentTags: Record<string, string> | null = null;
  /** The VU whose calls this worker makes (changes when an interrupted VU gets a fresh object). */
  vu: Vu;

  constructor(
    private readonly run: TestRun,
    code: WorkerCode,
    path: string,
    vu: Vu,
    private readonly setupJson: () => string | undefined,
  ) {
    this.vu = vu;
    const flag = new SharedArrayBuffer(4);
    this.flag = new Int32Array(flag);
    this.replies = new MessageChannel();
    const init: WorkerInit = { code: code.script, codeCache: code.scriptCache, path, id: vu.id, env: vu.env, flag, replies: this.replies.port2, throwErrors: run.throwErrors, moduleBase: import.meta.url };
    this.worker = new Worker(WORKER_BOOT, {
      eval: true,
      workerData: { ...init, runtime: code.runtime, runtimeCache: code.runtimeCache },
      transferList: [this.replies.port2],
      stdout: false,
      stderr: false,
      // Small heaps: a thousand VUs must fit.
      resourceLimits: { maxYoungGenerationSizeMb: 0.5, stackSizeMb: 1, codeRangeSizeMb: 8 },
    });
    this.worker.unref();
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    // Never an unhandled rejection: the caller awaits `ready` when it needs the VU.
    this.ready.catch(() => {});
    const receive = (msg: FromWorker): void => {
      if (msg.t === 'batch') for (const m of msg.list) receive(m);
      else if (msg.t === 'ready') readyResolve();
      else if (msg.t === 'initError') readyReject(remoteError(msg.error));
      else this.onMessage(msg);
    };
    this.worker.on('message', receive);
    this.worker.on('error', (e) => {
      readyReject(e);
      this.finish({ error: e });
    });
    this.worker.on('exit', () => {
      this.exited = true;
      readyReject(new Error('the VU was stopped during its init'));
      this.finish({ interrupted: true });
      const r = this.result;
      this.result = null;
      r?.({ error: new Error('the VU was stopped') });
    });
  }

  private finish(o: IterationOutcome): void {
    const done = this.outcome;
    this.outcome = null;
    done?.(o);
  }

  private store(group: string): VuStore {
    return group === '' ? this.vu.rootStore : { vu: this.vu, group };
  }

  private reply(value: unknown, error?: string): void {
    this.wake(error === undefined ? { value } : { error });
  }

  /** Hands `msg` to the worker blocked on its flag (a reply, or what happened on its SSE stream). */
  private wake(msg: unknown): void {
    if (this.exited) return;
    this.replies.port1.postMessage(msg);
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
  }

  private answerAsync(id: number, value: unknown, error?: string): void {
    if (this.exited) return;
    const msg: ToWorker = error === undefined ? { t: 'reply', id, value } : { t: 'reply', id, error };
    this.worker.postMessage(msg);
  }

  private params(p: unknown): Params | undefined {
    if (p === null || p === undefined || typeof p !== 'object') return p as undefined;
    const params = p as Params & { jar?: { __jarId?: number } | CookieJar | null };
    const id = (params.jar as { __jarId?: number } | null | undefined)?.__jarId;
    if (id !== undefined) return { ...params, jar: this.jar(id) };
    return params;
  }

  private jar(id: number): CookieJar {
    if (id === 0) return jarFor(this.vu);
    const jar = this.jars.get(id);
    if (jar === undefined) throw new Error(`unknown cookie jar ${id}`);
    return jar;
  }

  /** Runs one sync or async operation; returns a value or a promise of one. */
  private operate(op: string, args: unknown[], group: string): unknown {
    const run = this.run;
    switch (op) {
      case 'http': {
        const [method, url, body, params] = args;
        return requestFor(this.store(group), String(method), url, body as never, this.params(params)).then((res: Response) => res.toWire());
      }
      case 'batch': {
        const [list] = args as [unknown[] | Record<string, unknown>];
        const fix = (item: unknown): unknown => {
          if (Array.isArray(item)) return [item[0], item[1], item[2], this.params(item[3])];
          if (item !== null && typeof item === 'object') return { ...(item as object), params: this.params((item as { params?: unknown }).params) };
          return item;
        };
        const fixed = Array.isArray(list) ? list.map(fix) : Object.fromEntries(Object.entries(list).map(([k, v]) => [k, fix(v)]));
        return batchFor(this.store(group), fixed as never).then((out) =>
          Array.isArray(out) ? out.map((r) => r.toWire()) : Object.fromEntries(Object.entries(out).map(([k, r]) => [k, r.toWire()])),
        );
      }
      case 'sharedArray':
        return sharedArrayData(String(args[0])) ?? null;
      case 'sharedArraySet':
        return storeSharedArray(String(args[0]), args[1] as never);
      case 'open':
        return openFile(run.scriptPath, String(args[0]), args[1] as string | undefined, args[2] as string | undefined);
      case 'jarNew': {
        const id = this.nextJar++;
        this.jars.set(id, new CookieJar());
        return id;
      }
      case 'jar': {
        const [id, method, ...rest] = args as [number, 'cookiesForURL' | 'set' | 'clear' | 'delete', ...unknown[]];
        const jar = this.jar(id);
        return (jar[method] as (...a: unknown[]) => unknown).apply(jar, rest) ?? null;
      }
      case 'setResponseCallback':
        setResponseCallback(args[0] as never);
        return null;
      case 'abort':
        run.abort(String(args[0]), 108);
        return null;
      case 'options':
        return JSON.parse(JSON.stringify(run.options));
      case 'instance':
        return {
          iterationsInterrupted: run.iterationsInterrupted,
          iterationsCompleted: run.iterationsCompleted,
          vusActive: run.vusActive,
          vusInitialized: run.vusInitialized,
          currentTestRunDuration: run.elapsedMs(),
        };
      default:
        throw new Error(`internal error: unknown operation ${op}`);
    }
  }

  private onMessage(msg: FromWorker): void {
    const run = this.run;
    switch (msg.t) {
      case 'sync':
      case 'async': {
        const answer = msg.t === 'sync' ? (v: unknown, e?: string) => this.reply(v, e) : (v: unknown, e?: string) => this.answerAsync(msg.id, v, e);
        let value: unknown;
        try {
          value = this.operate(msg.op, msg.args, msg.group);
        } catch (e) {
          answer(undefined, errorMessage(e));
          return;
        }
        if (value instanceof Promise) value.then((v) => answer(v), (e: unknown) => answer(undefined, errorMessage(e)));
        else answer(value);
        return;
      }
      case 'check':
        recordCheck(run, this.store(msg.group), msg.name, msg.passed, msg.tags);
        return;
      case 'metric': {
        const metric = run.registry.define(msg.name, msg.type as MetricType, msg.isTime);
        recordCustom(run, this.store(msg.group), metric, msg.value, msg.tags);
        return;
      }
      case 'defineMetric':
        try {
          run.registry.define(msg.name, msg.type as MetricType, msg.isTime);
        } catch {
          // The main thread's own init reported a clash already.
        }
        return;
      case 'group':
        run.groups.ensureGroup(msg.parent, msg.name);
        return;
      case 'groupDuration':
        recordGroupDuration(run, this.store(msg.group), msg.ms);
        return;
      case 'log': {
        const method = msg.level === 'log' ? 'log' : msg.level;
        (console as unknown as Record<string, (...a: string[]) => void>)[method](msg.text);
        return;
      }
      case 'warn':
        engineLog('WARN', msg.text);
        return;
      case 'tag': {
        const vu = this.vu;
        if (msg.value === null) {
          if (msg.key in vu.userTags) {
            delete vu.userTags[msg.key];
            vu.userTagCount--;
          }
        } else {
          if (!(msg.key in vu.userTags)) vu.userTagCount++;
          vu.userTags[msg.key] = msg.value;
        }
        return;
      }
      case 'fail':
        run.failedByScript = true;
        if (msg.reason) process.stderr.write(`test marked failed: ${msg.reason}\n`);
        return;
      case 'uncaught': {
        // Logged as the main thread's own uncaught errors are, one k6 line: by script-console.ts
        // during the run, by the CLI's late-errors.ts after it (a programmatic run ignores late ones).
        const error = msg.value !== undefined ? msg.value : Object.assign(new Error(msg.message), { name: msg.name, stack: msg.stack });
        if (msg.kind === 'exception') process.emit('uncaughtException', error as Error);
        else process.emit('unhandledRejection', error, Promise.resolve());
        return;
      }
      case 'sseOpen': {
        const stream = new WorkerSseStream(run, this.store(msg.group), this.vu, (m: SsePush) => this.wake(m));
        this.sse = stream;
        try {
          stream.start(msg.url, msg.opts);
        } catch (e) {
          this.wake({ sse: 'end', error: errorMessage(e) } satisfies SsePush);
        }
        return;
      }
      case 'sseDelivered':
        this.sse?.delivered();
        return;
      case 'sseClose':
        this.sse?.close();
        return;
      case 'done':
        this.finish(msg.error === undefined ? {} : { error: remoteError(msg.error), aborted: msg.aborted });
        return;
      case 'result': {
        const r = this.result;
        this.result = null;
        r?.(msg.error === undefined ? { value: msg.value } : { error: remoteError(msg.error), aborted: msg.aborted });
        return;
      }
    }
  }

  /** Runs one iteration of `exec` for the VU; resolves when it ended (never rejects). */
  iterate(vu: Vu, exec: string): Promise<IterationOutcome> {
    if (this.exited) return Promise.resolve({ interrupted: true });
    this.vu = vu;
    const s = vu.scenario!;
    const msg: ToWorker = {
      t: 'iter',
      exec,
      iter: vu.iteration,
      iterInScenario: vu.iterationInScenario,
      iterInTest: vu.iterationInScenarioTest,
      iterInInstance: vu.iterationInScenarioInstance,
      scenario: { name: s.name, executor: s.config.executor, startTime: s.startedAtMs, progress: s.progress() },
    };
    if (this.sentEnv !== vu.env) {
      msg.env = vu.env;
      this.sentEnv = vu.env;
    }
    if (!this.sentData) {
      msg.data = this.setupJson() ?? '';
      this.sentData = true;
    }
    const tags = s.tagsFor('');
    if (this.sentTags !== tags) {
      msg.tags = tags;
      this.sentTags = tags;
    }
    return new Promise<IterationOutcome>((resolve) => {
      this.outcome = resolve;
      this.worker.postMessage(msg);
    });
  }

  /** setup(), teardown(data) or handleSummary(data) on this worker (the setup VU's). */
  call(fn: 'setup' | 'teardown' | 'handleSummary', arg?: string): Promise<{ value?: unknown; error?: Error; aborted?: boolean }> {
    if (this.exited) return Promise.resolve({ error: new Error('the VU was stopped') });
    return new Promise((resolve) => {
      this.result = resolve;
      const msg: ToWorker = { t: 'call', fn, arg: arg ?? null, tags: this.run.tagsFor(undefined) };
      this.worker.postMessage(msg);
    });
  }

  /**
   * The run is over but the script may have left timers (started by its init code, teardown or
   * handleSummary) whose errors the main thread would log if they were its own: the worker may
   * finish them, for at most `ms` (the CLI's own wait for the main thread's timers), then stops.
   */
  release(ms: number): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.worker.postMessage({ t: 'end' } satisfies ToWorker);
    // Kept alive by its timers alone; the process waits for them as for its own.
    this.worker.ref();
    setTimeout(() => void this.terminate(), ms).unref();
    return Promise.resolve();
  }

  /** Stops the worker at once, whatever its script is doing. */
  terminate(): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.exited = true;
    // Wake a worker blocked on a call so termination is immediate.
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
    return this.worker.terminate().then(() => undefined);
  }
}

// The worker entry: plain CommonJS that evaluates the bundled runtime (workerData carries the code).
const WORKER_RUNTIME_NAME = 'llmux-worker-vu.js';
const WORKER_BOOT = `
const { workerData } = require('node:worker_threads');
const vm = require('node:vm');
new vm.Script(workerData.runtime, { filename: '${WORKER_RUNTIME_NAME}', cachedData: workerData.runtimeCache }).runInThisContext()(require, { exports: {} }, {});
`;

/** How long the setup VU's worker may run after the run, like the main thread's timers (cli.ts). */
const LINGER_MS = 1_000;

/** Starts worker VUs for one run. */
export class WorkerPool {
  private workerCode: WorkerCode | null = null;
  private readonly all = new Set<WorkerVu>();
  private readonly prepared = new Map<number, WorkerVu>();

  constructor(
    private readonly run: TestRun,
    private readonly code: string,
    private readonly path: string,
    private readonly setupJson: () => string | undefined,
  ) {}

  async load(): Promise<void> {
    // Each worker collects the garbage of its start-up once, before its VU runs (about 1 MB per
    // VU); V8 flags are per process, and the main thread's context exists already.
    setFlagsFromString('--expose-gc');
    this.workerCode = await workerCode(this.path, this.code);
  }

  /** A worker for `vu` (one prepared ahead for its id, or a new one). */
  start(vu: Vu): WorkerVu {
    let w = this.prepared.get(vu.id);
    if (w !== undefined) {
      this.prepared.delete(vu.id);
      w.vu = vu;
      return w;
    }
    w = new WorkerVu(this.run, this.workerCode!, this.path, vu, this.setupJson);
    this.all.add(w);
    return w;
  }

  /** A fresh worker for setup(), teardown() or handleSummary() (k6 runs each on a VU of its own, init code included). */
  async lifeCycle(vu: Vu): Promise<WorkerVu> {
    const w = new WorkerVu(this.run, this.workerCode!, this.path, vu, this.setupJson);
    this.all.add(w);
    await w.ready;
    return w;
  }

  /** Starts the workers of ids `from..to` ahead of the scenarios (k6 initialises VUs before the start). */
  prepare(vus: Vu[]): Promise<void> {
    const ready: Array<Promise<void>> = [];
    for (const vu of vus) {
      const w = new WorkerVu(this.run, this.workerCode!, this.path, vu, this.setupJson);
      this.all.add(w);
      this.prepared.set(vu.id, w);
      ready.push(w.ready);
    }
    return Promise.all(ready).then(() => undefined);
  }

  async closeAll(): Promise<void> {
    // The setup VU's worker ran teardown and handleSummary: what they left running may still end
    // (and log its errors, as the event loop does); every other worker stops now.
    await Promise.all([...this.all].map((w) => (w.vu.id === 0 ? w.release(LINGER_MS) : w.terminate())));
    this.all.clear();
    this.prepared.clear();
  }
}

