// Loads a k6 script for a run: bundles it, evaluates its init code once on the main thread (the
// options, setup/teardown/handleSummary and the choice of VU kind come from that evaluation),
// then once more per VU. Scripts whose scenario functions are all async and that never call a
// synchronous k6 API run their VUs on the main event loop; the others run each VU on a worker
// thread (engine/sync/), where synchronous calls can block.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { K6_MODULES } from '../modules/index.ts';
import { currentRun, maybeCurrentRun, type TestRun } from '../runtime.ts';
import { currentStore, vuStorage, type Vu } from '../vu.ts';
import { bundleScript, type ScriptBundle } from './bundle.ts';
import { toCoroutines } from './coroutines.ts';
import { coroutineRuntime } from '../coroutines.ts';
import { CompiledScript, isAsyncFunction, moduleRequire, type InitScope, type ScriptExports } from './compiled.ts';
import { deepStack } from '../modules/pure.ts';
import { outermostScriptFile, rememberSourceMap } from './source-map.ts';

export type VuKind = 'event-loop' | 'worker';

export interface LoadedScript {
  bundle: ScriptBundle;
  compiled: CompiledScript;
  /** The main thread's own evaluation (options, setup, teardown, handleSummary). */
  exports: ScriptExports;
  /** The script calls synchronous k6 APIs and was rewritten to run them on event-loop VUs (coroutines.ts). */
  coroutines: boolean;
}

/**
 * k6's open(), in the init stage only; 'b' returns an ArrayBuffer. A relative path resolves against
 * the module whose init code calls it (`stack`: where open() was called from), as k6 resolves it
 * against the outermost frame; else against the script.
 */
export function openFile(scriptPath: string, path: string, mode?: string, stack?: string): string | ArrayBuffer {
  const caller = stack === undefined ? null : outermostScriptFile(stack);
  const base = caller !== null && caller.startsWith('file:') ? dirname(fileURLToPath(caller)) : dirname(scriptPath);
  const full = resolve(base, String(path));
  const buf = readFileSync(full);
  if (mode === 'b') return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  return buf.toString('utf8');
}

function open(path: string, mode?: string): string | ArrayBuffer {
  const run = currentRun();
  if (run.phase !== 'init') throw new Error('the "open" function is only available in the init stage (i.e. the global scope)');
  return openFile(run.scriptPath, path, mode, deepStack());
}

function installGlobals(): void {
  const define = (name: string, get: () => unknown) => Object.defineProperty(globalThis, name, { get, configurable: true, enumerable: false });
  define('__VU', () => currentStore()?.vu.id ?? 0);
  define('__ITER', () => {
    const vu = currentStore()?.vu;
    return vu ? Math.max(vu.iteration, 0) : 0;
  });
  define('__ENV', () => currentStore()?.vu.env ?? maybeCurrentRun()?.env ?? {});
}

// Timers a VU's iteration starts keep the iteration open until they ran or were cleared (k6's event loop).
const timerOwner = new WeakMap<object, Vu>();

function tracked(kind: 'timeout' | 'interval') {
  const start = kind === 'timeout' ? setTimeout : setInterval;
  return (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]): unknown => {
    const vu = currentStore()?.vu;
    if (vu === undefined || !vu.busy || typeof fn !== 'function') return start(fn, ms, ...args);
    vu.pendingTimers++;
    const timer: NodeJS.Timeout = start(() => {
      try {
        fn(...args);
      } finally {
        if (kind === 'timeout' && timerOwner.delete(timer)) vu.settle();
      }
    }, ms);
    timerOwner.set(timer, vu);
    return timer;
  };
}

function clearTracked(kind: 'timeout' | 'interval') {
  const clear = kind === 'timeout' ? clearTimeout : clearInterval;
  return (timer: NodeJS.Timeout | undefined): void => {
    clear(timer);
    if (timer === undefined || timer === null) return;
    const vu = timerOwner.get(timer);
    if (vu !== undefined && timerOwner.delete(timer)) vu.settle();
  };
}

export const trackedTimers = {
  setTimeout: tracked('timeout'),
  clearTimeout: clearTracked('timeout'),
  setInterval: tracked('interval'),
  clearInterval: clearTracked('interval'),
};

const scope: InitScope = {
  require: moduleRequire(K6_MODULES),
  open,
  ...trackedTimers,
  co: coroutineRuntime,
} as unknown as InitScope;

/** Bundles and evaluates the script's init code once (errors propagate as script errors). */
export async function loadScript(path: string, run: TestRun, opts: { insecureRemote?: boolean; syncVus?: 'threads' | 'loop' } = {}): Promise<LoadedScript> {
  installGlobals();
  const bundle = await bundleScript(path, opts);
  // A blocking sse.open runs its handlers from the socket, where a rewritten script could not wait: threads.
  const rewritten = bundle.callsSyncApis && opts.syncVus === 'loop' && !bundle.code.includes('require("k6/x/sse")') ? toCoroutines(bundle.code) : null;
  const coroutines = rewritten !== null && 'code' in rewritten;
  rememberSourceMap(bundle.path, bundle.sourceMap, coroutines ? rewritten.columns : null);
  const compiled = new CompiledScript(bundle.path, coroutines ? rewritten.code : bundle.code);
  const exports = vuStorage.run(run.setupVu.rootStore, () => compiled.instantiate(scope));
  return { bundle, compiled, exports, coroutines };
}

/** Where the script's VUs run: the event loop when every scenario function is async and no sync API is called. */
export function vuKind(loaded: LoadedScript, execs: string[]): VuKind {
  if (loaded.coroutines) return 'event-loop';
  if (loaded.bundle.callsSyncApis) return 'worker';
  return execs.every((name) => isAsyncFunction(loaded.exports[name])) ? 'event-loop' : 'worker';
}

/** Evaluates the init code for an event-loop VU (its own module state, as in k6). */
export function initEventLoopVu(loaded: LoadedScript, run: TestRun, vu: Vu): void {
  const phase = run.phase;
  run.phase = 'init';
  try {
    vu.exports = vuStorage.run(vu.rootStore, () => loaded.compiled.instantiate(scope));
  } finally {
    run.phase = phase;
  }
}

/** A fresh evaluation of the init code for setup(), teardown() or handleSummary(): k6 runs each on a VU of its own. */
export function lifeCycleExports(loaded: LoadedScript, run: TestRun): ScriptExports {
  const phase = run.phase;
  run.phase = 'init';
  try {
    return vuStorage.run(run.setupVu.rootStore, () => loaded.compiled.instantiate(scope));
  } finally {
    run.phase = phase;
  }
}
