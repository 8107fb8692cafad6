// One test run, k6's life cycle: init (import the script), setup, scenarios, teardown, summary.
// Exit codes are k6's (errext/exitcodes): 0, 99 thresholds, 100/101 setup/teardown timeout, 104 invalid options, 105 interrupted (SIGINT),
// 107 script error, 108 aborted by the script, 110 exec.test.fail().
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatDurationMs, parseDurationMs } from '../lib/duration.ts';
import { createExecutor, type ExecutorContext } from './executors.ts';
import { InterruptedError } from './http-errors.ts';
import { DEFAULT_USER_AGENT } from './modules/http.ts';
import { resetSharedArrays } from './modules/data.ts';
import { ScriptError } from './script/bundle.ts';
import { mapStack } from './script/source-map.ts';
import type { ScriptExports } from './script/compiled.ts';
import { initEventLoopVu, loadScript, vuKind, type LoadedScript, type VuKind } from './script/load.ts';
import { WorkerPool, type WorkerVu } from './sync/host.ts';
import { setInsecureSkipTLSVerify } from './transport.ts';
import {
  buildSummaryData,
  CsvOutput,
  DEFAULT_SUMMARY_TREND_STATS,
  formatLegacySummaryExport,
  GroupTree,
  MetricRegistry,
  NdjsonOutput,
  parseThresholds,
  renderTextSummary,
  validateTrendStats,
  type SummaryData,
  type Thresholds,
} from './metrics/index.ts';
import { setCurrentRun, TestAbortError, TestRun } from './runtime.ts';
import { ScenarioRun } from './scenario-run.ts';
import { captureScriptOutput } from './script-console.ts';
import { describeScenario, initialVus, maxScenarioMs, OptionsError, resolveScenarios, type ScenarioConfig, type ShortcutOverrides } from './scenario.ts';
import { Vu, vuStorage } from './vu.ts';
import { Watchdog } from './watchdog.ts';

export const EXIT = {
  ok: 0,
  thresholds: 99,
  setupTimeout: 100,
  teardownTimeout: 101,
  invalidConfig: 104,
  externalAbort: 105,
  scriptError: 107,
  scriptAborted: 108,
  markedFailed: 110,
} as const;

export interface RunOptions extends ShortcutOverrides {
  /** -e KEY=VALUE pairs, on top of the process environment (k6 includes system env vars in __ENV). */
  env?: Record<string, string>;
  /** Do not add process.env to __ENV. */
  noSystemEnv?: boolean;
  quiet?: boolean;
  /** Aborting it stops the test like Ctrl-C (exit 105), with the summary of what ran. */
  signal?: AbortSignal;
  summaryExport?: string;
  /** NDJSON metrics output path (`--out json=FILE`). */
  jsonOut?: string;
  /** CSV metrics output path (`--out csv=FILE`). */
  csvOut?: string;
  /** `--no-summary`: neither handleSummary nor the text summary. */
  noSummary?: boolean;
  /** `--summary-trend-stats`. */
  summaryTrendStats?: string[];
  /** `--tag NAME=VALUE`: added to options.tags. */
  tags?: Record<string, string>;
  /** `--no-thresholds`. */
  noThresholds?: boolean;
  /** `--insecure-skip-tls-verify`. */
  insecureSkipTLSVerify?: boolean;
  /** `-v`: console.debug lines too. */
  verbose?: boolean;
  /** `--http-debug[=full]`: requests and responses on stderr (bodies with 'full'). */
  httpDebug?: 'headers' | 'full';
  /** Progress lines `{"progress":{...}}` every 500 ms. */
  progress?: (line: ProgressLine) => void;
  /** Where summary text and logs go (tests capture them). */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

export interface ProgressLine {
  elapsed_ms: number;
  requests: number;
  /** Failed requests: the script's llm_errors count when it keeps one, else http_req_failed's. */
  failed: number;
  iterations: number;
  vus: number;
  dropped: number;
}

export interface RunResult {
  exitCode: number;
  /** The handleSummary data (null when the run failed before the scenarios). */
  summary: SummaryData | null;
}

/** Grace for in-flight requests after Ctrl-C before iterations are interrupted. */
const SIGNAL_GRACE_MS = 2_000;
const THRESHOLD_EVAL_MS = 2_000;

const jsonSafe = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

function errorText(err: unknown): string {
  // Where the engine's timer fired says nothing about the script.
  if (err instanceof TimeoutError) return err.message;
  if (err instanceof ScriptError) return err.message;
  if (err instanceof Error) return err.stack === undefined ? `${err.name}: ${err.message}` : mapStack(err.stack);
  return String(err);
}

/** Writes a file atomically (temp + rename), creating its directory. */
async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => {}); // never a half-written temp file left behind
    throw error;
  }
}

function toBytes(value: unknown): string | Uint8Array {
  if (typeof value === 'string') return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

async function withTimeout<T>(what: string, ms: number, fn: () => T | Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(fn),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`${what} execution timed out after ${ms / 1000} seconds`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export async function runTest(scriptPath: string, opts: RunOptions = {}): Promise<RunResult> {
  const out = opts.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = opts.stderr ?? ((t: string) => void process.stderr.write(t));
  const env: Record<string, string> = {};
  if (!opts.noSystemEnv) for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, opts.env ?? {});

  const registry = new MetricRegistry();
  const groups = new GroupTree();
  const path = resolve(scriptPath);
  const run = new TestRun(registry, groups, env, {}, path, {});
  setCurrentRun(run);
  run.httpDebug = opts.httpDebug ?? null;
  const restore = captureScriptOutput(err, () => run.elapsedMs(), { verbose: opts.verbose === true });
  try {
    return await lifeCycle(run, path, opts, out, err);
  } finally {
    restore();
    setCurrentRun(null);
  }
}

async function lifeCycle(
  run: TestRun,
  path: string,
  opts: RunOptions,
  out: (t: string) => void,
  err: (t: string) => void,
): Promise<RunResult> {
  // --- init stage
  let exports: ScriptExports;
  let loaded: LoadedScript;
  resetSharedArrays();
  try {
    loaded = await loadScript(path, run);
    exports = loaded.exports;
  } catch (e) {
    err(`script error: ${errorText(e)}\n`);
    return { exitCode: e instanceof TestAbortError ? EXIT.scriptAborted : EXIT.scriptError, summary: null };
  }
  const options = { ...((exports.options as Record<string, unknown> | undefined) ?? {}) };
  if (opts.tags !== undefined) options.tags = { ...((options.tags as Record<string, unknown>) ?? {}), ...opts.tags };
  if (opts.summaryTrendStats !== undefined) options.summaryTrendStats = opts.summaryTrendStats;
  if (opts.insecureSkipTLSVerify) options.insecureSkipTLSVerify = true;
  if (opts.noThresholds) delete options.thresholds;
  if (opts.vus !== undefined) options.vus = opts.vus;
  if (opts.iterations !== undefined) options.iterations = opts.iterations;
  if (opts.durationMs !== undefined) options.duration = `${opts.durationMs}ms`;
  run.options = options;
  run.globalTags = Object.fromEntries(
    Object.entries((options.tags as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]),
  );
  run.discardResponseBodies = options.discardResponseBodies === true;
  run.userAgent = typeof options.userAgent === 'string' ? options.userAgent : DEFAULT_USER_AGENT;
  if (typeof options.maxRedirects === 'number' && options.maxRedirects >= 0) run.maxRedirects = options.maxRedirects;

  if (opts.vus !== undefined && opts.iterations === undefined && opts.durationMs === undefined && options.scenarios) {
    err('warning: --vus is ignored: the script defines scenarios (add --iterations or --duration to replace them)\n');
  }
  let scenarios: ScenarioConfig[];
  let thresholds: Thresholds;
  const trendStats = (options.summaryTrendStats as string[] | undefined) ?? [...DEFAULT_SUMMARY_TREND_STATS];
  try {
    scenarios = resolveScenarios(options, opts);
    for (const s of scenarios) {
      if (typeof exports[s.exec] !== 'function') {
        throw new OptionsError(`scenarios.${s.name}.exec: function '${s.exec}' not found in the script's exports`);
      }
    }
    thresholds = parseThresholds(options.thresholds);
    thresholds.attach(run.registry);
    if (!Array.isArray(trendStats)) throw new OptionsError('summaryTrendStats: expected an array of stats');
    validateTrendStats(trendStats);
    setInsecureSkipTLSVerify(options.insecureSkipTLSVerify === true);
    for (const key of ['hosts', 'noConnectionReuse', 'noVUConnectionReuse', 'batch', 'batchPerHost', 'rps']) {
      if (options[key] !== undefined && options[key] !== false) err(`warning: option '${key}' is not supported by the embedded engine and is ignored\n`);
    }
  } catch (e) {
    err(`invalid options: ${e instanceof Error ? e.message : String(e)}\n`);
    return { exitCode: EXIT.invalidConfig, summary: null };
  }

  // Event-loop VUs when every scenario function is async and no synchronous k6 API is called;
  // otherwise one worker thread per VU (engine/sync/).
  const kind: VuKind = vuKind(loaded, [...new Set(scenarios.map((s) => s.exec))]);
  let setupJson: string | undefined;
  let pool: WorkerPool | null = null;
  let setupWorker: WorkerVu | null = null;
  if (kind === 'worker') {
    pool = new WorkerPool(run, loaded.bundle.code, path, () => setupJson);
    await pool.load();
    if (['setup', 'teardown', 'handleSummary'].some((name) => typeof exports[name] === 'function')) {
      setupWorker = pool.start(run.setupVu);
      try {
        await setupWorker.ready;
      } catch (e) {
        err(`script error: ${errorText(e)}\n`);
        await pool.closeAll();
        return { exitCode: EXIT.scriptError, summary: null };
      }
    }
  }

  if (!opts.quiet) {
    err(`\n     execution: local (llmux-bench embedded engine)\n        script: ${path}\n`);
    const maxVus = scenarios.reduce((sum, s) => sum + (s.executor.endsWith('arrival-rate') ? (s as { maxVUs: number }).maxVUs : initialVus(s)), 0);
    const maxMs = Math.max(...scenarios.map(maxScenarioMs));
    err(`     scenarios: ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}, ${maxVus} max VUs, ${formatDurationMs(maxMs)} max duration (incl. graceful stop):\n`);
    for (const s of scenarios) err(`              * ${s.name}: ${describeScenario(s)}\n`);
    err('\n');
  }

  let ndjson: NdjsonOutput | null = null;
  if (opts.jsonOut) {
    const output = new NdjsonOutput(run.registry, thresholds);
    try {
      await output.open(resolve(opts.jsonOut));
    } catch (e) {
      err(`${e instanceof Error ? e.message : String(e)}\n`);
      return { exitCode: EXIT.invalidConfig, summary: null };
    }
    ndjson = output;
  }
  let csv: CsvOutput | null = null;
  if (opts.csvOut) {
    const output = new CsvOutput(run.registry);
    try {
      await output.open(resolve(opts.csvOut));
    } catch (e) {
      err(`${e instanceof Error ? e.message : String(e)}\n`);
      await ndjson?.close();
      return { exitCode: EXIT.invalidConfig, summary: null };
    }
    csv = output;
  }

  // --- Ctrl-C and the programmatic signal: stop like k6 (summary of what ran, exit 105)
  let stopGraceMs = 0;
  const interrupt = () => {
    if (run.aborted !== null) return;
    stopGraceMs = SIGNAL_GRACE_MS;
    err('\nstopping: interrupted; finishing in-flight requests, then teardown and summary\n');
    run.abort('test run was interrupted', EXIT.externalAbort);
  };
  opts.signal?.addEventListener('abort', interrupt, { once: true });
  if (opts.signal?.aborted) interrupt();

  let exitForScriptError: number | null = null;
  let setupData: unknown;

  // --- setup
  run.phase = 'setup';
  if (typeof exports.setup === 'function' && run.aborted === null) {
    try {
      const setupFn = exports.setup;
      const timeout = parseTimeout(options.setupTimeout, 60_000);
      if (setupWorker !== null) {
        const worker = setupWorker;
        setupJson = (await withTimeout('setup()', timeout, () => worker.call('setup').then(unwrapWorkerResult))) as string | undefined;
        setupData = setupJson === undefined ? undefined : JSON.parse(setupJson);
      } else {
        setupData = jsonSafe(await withTimeout('setup()', timeout, () => vuStorage.run(run.setupVu.rootStore, setupFn)));
        setupJson = setupData === undefined ? undefined : JSON.stringify(setupData);
      }
    } catch (e) {
      if (e instanceof TestAbortError) err(`${e.message}\n`);
      else {
        err(`setup() failed: ${errorText(e)}\n`);
        await closeAll([run.setupVu]);
        await pool?.closeAll();
        await ndjson?.close();
        await csv?.close();
        return { exitCode: e instanceof TimeoutError ? EXIT.setupTimeout : EXIT.scriptError, summary: null };
      }
    }
  }

  // --- scenarios
  run.phase = 'run';
  const allVus: Vu[] = [run.setupVu];
  const freeVus: Vu[] = [];
  let stopping = false;
  let stopAt = 0;
  const waiters = new Set<{ at: number; timer: NodeJS.Timeout; wake: (byStop: boolean) => void }>();
  const until = (at: number): Promise<boolean> =>
    new Promise<boolean>((resolveWait) => {
      const target = stopping ? Math.min(at, stopAt + stopGraceMs) : at;
      const delay = target - performance.now();
      if (delay <= 0) {
        resolveWait(stopping);
        return;
      }
      const w = {
        at,
        timer: setTimeout(() => {
          waiters.delete(w);
          resolveWait(stopping);
        }, delay),
        wake: (byStop: boolean) => resolveWait(byStop),
      };
      waiters.add(w);
    });
  run.onStop = () => {
    if (stopping) return;
    stopping = true;
    stopAt = performance.now();
    for (const w of [...waiters]) {
      clearTimeout(w.timer);
      waiters.delete(w);
      const delay = Math.min(w.at, stopAt + stopGraceMs) - performance.now();
      if (delay <= 0) w.wake(true);
      else setTimeout(() => w.wake(true), delay);
    }
  };
  if (run.aborted !== null) run.onStop(run.aborted.reason);

  const errorCounts = new Map<string, number>();
  const reportIterationError = (e: unknown, s: ScenarioRun) => {
    if (e instanceof TestAbortError) return;
    run.iterationErrors++;
    const text = errorText(e);
    const seen = (errorCounts.get(text) ?? 0) + 1;
    errorCounts.set(text, seen);
    // The same error from thousands of iterations: print it 10 times, then every 1000th.
    if (seen > 10 && seen % 1000 !== 0) return;
    const at = (run.elapsedMs() / 1000).toFixed(0).padStart(4, '0');
    err(`ERRO[${at}] ${text}${seen > 10 ? ` (seen ${seen} times)` : ''}  executor=${s.config.executor} scenario=${s.name} source=stacktrace\n`);
  };

  let syncStreak = 0;
  let streakReset = false;
  const resetStreak = () => {
    syncStreak = 0;
    streakReset = false;
  };

  const iterationError = (vu: Vu, e: unknown, scenario: ScenarioRun): void => {
    if (!vu.interrupted && !(e instanceof InterruptedError)) reportIterationError(e, scenario);
  };
  // Iterations that never wait on I/O would starve timers: yield to the event loop now and then.
  const pace = (): void | Promise<void> => {
    if (++syncStreak > 256) {
      return new Promise<void>((r) => setImmediate(r)).then(() => {
        syncStreak = 0;
      });
    }
    if (!streakReset) {
      streakReset = true;
      setImmediate(resetStreak);
    }
  };
  const finishIteration = (vu: Vu, scenario: ScenarioRun, start: number): void | Promise<void> => {
    // k6's event loop: the iteration ends once the timers and requests it started are done.
    if (vu.pendingTimers > 0 && !vu.interrupted) return new Promise<void>((wake) => (vu.idleWaiter = wake)).then(() => finishIteration(vu, scenario, start));
    vu.busy = false;
    if (vu.interrupted) return;
    run.iterationsCompleted++;
    const tags = vu.userTagCount > 0 ? { ...scenario.tagsFor(''), ...vu.userTags } : scenario.tagsFor('');
    run.registry.addTo(run.m.iteration_duration, performance.now() - start, tags);
    run.registry.addTo(run.m.iterations, 1, tags);
    // A disk slower than the samples: hold this VU rather than drop NDJSON points.
    if (ndjson !== null && ndjson.backpressured) return ndjson.drain().then(pace);
    return pace();
  };

  const sampleVus = () => {
    run.registry.addTo(run.m.vus, run.vusActive, run.globalTags);
    if (run.vusInitialized > 0) run.registry.addTo(run.m.vus_max, run.vusInitialized, run.globalTags);
  };
  let initFailed = false;
  const failInit = (e: unknown): void => {
    if (initFailed) return;
    initFailed = true;
    err(`script error: a VU's init code failed: ${errorText(e)}\n`);
    exitForScriptError = EXIT.scriptError;
    run.abort('init failed', EXIT.scriptError);
  };
  /** Gives a VU its own init context: an evaluation of the script, or a worker thread. */
  const prepareVu = (vu: Vu): void => {
    if (kind === 'worker') {
      vu.worker ??= pool!.start(vu);
      return;
    }
    if (vu.exports !== null) return;
    try {
      initEventLoopVu(loaded, run, vu);
    } catch (e) {
      failInit(e);
      vu.exports = {};
      vu.interrupted = true;
    }
  };
  const iterateOnWorker = (vu: Vu, scenario: ScenarioRun): Promise<void> => {
    const worker = vu.worker as WorkerVu;
    return worker.ready.then(
      () => {
        const start = performance.now();
        return worker.iterate(vu, scenario.config.exec).then((o) => {
          if (o.error !== undefined && !o.aborted) iterationError(vu, o.error, scenario);
          return finishIteration(vu, scenario, start);
        });
      },
      (e: unknown) => {
        if (!vu.interrupted) failInit(e);
        vu.busy = false;
      },
    );
  };

  const contextFor = (scenario: ScenarioRun, startAt: number): ExecutorContext => ({
    run,
    scenario,
    startAt,
    acquire: () => {
      let vu = freeVus.pop();
      if (vu === undefined) {
        vu = new Vu(++run.vusInitialized, scenario.env);
        allVus.push(vu);
      }
      prepareVu(vu);
      vu.scenario = scenario;
      vu.env = scenario.env;
      vu.fn = (vu.exports?.[scenario.config.exec] as ((data: unknown) => unknown) | undefined) ?? vu.fn;
      if (!vu.hasData) {
        vu.data = setupJson === undefined ? undefined : JSON.parse(setupJson);
        vu.hasData = true;
      }
      vu.iterationInScenario = -1;
      run.vusActive++;
      sampleVus();
      return vu;
    },
    release: (vu) => {
      if (vu.scenario === null) return;
      vu.scenario = null;
      run.vusActive--;
      sampleVus();
      if (!vu.interrupted) freeVus.push(vu);
    },
    // Not an async function: one `.then` per iteration instead of an async function's promise plus
    // an await (each promise also pays AsyncLocalStorage's hooks).
    iterate: (vu) => {
      vu.busy = true;
      vu.iteration++;
      vu.iterationInScenario++;
      vu.iterationInScenarioTest = scenario.iterations++;
      if (vu.worker !== null) return iterateOnWorker(vu, scenario);
      const start = performance.now();
      let result: unknown;
      try {
        // Looping executors already run inside the VU's store; arrival-rate iterations enter it here.
        result = vuStorage.getStore() === vu.rootStore ? vu.fn(vu.data) : vuStorage.run(vu.rootStore, vu.fn, vu.data);
      } catch (e) {
        iterationError(vu, e, scenario);
        return Promise.resolve(finishIteration(vu, scenario, start));
      }
      if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
        return Promise.resolve(result).then(
          () => finishIteration(vu, scenario, start),
          (e: unknown) => {
            iterationError(vu, e, scenario);
            return finishIteration(vu, scenario, start);
          },
        );
      }
      return Promise.resolve(finishIteration(vu, scenario, start));
    },
    interrupt: (vu) => {
      if (!vu.busy || vu.interrupted) return;
      vu.interrupted = true;
      run.iterationsInterrupted++;
      // The interrupted iteration may still be unwinding (its requests fail fast, its samples are
      // dropped); the VU's id is free again at once, as in k6, through a fresh VU object.
      const replacement = new Vu(vu.id, run.env);
      replacement.iteration = vu.iteration;
      // An event-loop VU keeps its module state (k6 keeps the VU's runtime); a worker VU's thread
      // is stopped, whatever its script is doing, and the VU gets a fresh one when used again.
      replacement.exports = vu.exports;
      replacement.data = vu.data;
      replacement.hasData = vu.hasData;
      replacement.cookieJar = vu.cookieJar;
      allVus.push(replacement);
      freeVus.push(replacement);
      const conns = vu.connections;
      vu.connections = null;
      void conns?.destroy();
      const worker = vu.worker as WorkerVu | null;
      if (worker !== null) void worker.terminate();
    },
    stopping: () => stopping,
    warn: (text) => err(`WARN[${String(Math.floor(run.elapsedMs() / 1000)).padStart(4, '0')}] ${text}\n`),
    until,
  });

  const scenarioRuns: Array<{ config: ScenarioConfig; run: ScenarioRun }> = scenarios.map((config) => {
    const scenarioEnv = Object.keys(config.env).length > 0 ? { ...run.env, ...config.env } : run.env;
    const sr = new ScenarioRun(config, run.globalTags, scenarioEnv);
    run.scenarios.set(config.name, sr);
    return { config, run: sr };
  });

  const progress = () => {
    const m = run.m;
    opts.progress?.({
      elapsed_ms: Math.round(run.elapsedMs()),
      requests: (m.http_reqs.sink as { count: number }).count,
      // A script that counts its own failures (llm_errors: bad bodies and broken streams too)
      // is shown with that count, so the live error count is the one its result reports.
      failed: (run.registry.get('llm_errors')?.sink as { count?: number } | undefined)?.count ?? (m.http_req_failed.sink as { passes: number }).passes,
      iterations: run.iterationsCompleted,
      vus: run.vusActive,
      dropped: (m.dropped_iterations.sink as { count: number }).count,
    });
  };
  if (pool !== null && run.aborted === null) {
    // k6 initialises the VUs before the start: every VU the scenarios begin with, one thread each.
    const count = scenarios.reduce((sum, s) => sum + (s.executor.endsWith('arrival-rate') ? (s as { preAllocatedVUs: number }).preAllocatedVUs : initialVus(s)), 0);
    const vus: Vu[] = [];
    for (let i = 0; i < count; i++) vus.push(new Vu(++run.vusInitialized, run.env));
    allVus.push(...vus);
    for (const vu of [...vus].reverse()) {
      freeVus.push(vu);
      vu.worker = pool.start(vu);
    }
    try {
      await Promise.all(vus.map((vu) => (vu.worker as WorkerVu).ready));
    } catch (e) {
      failInit(e);
    }
  }
  // Event-loop VUs stuck in a synchronous loop: see engine/watchdog.ts.
  const watchdog = kind === 'event-loop' && run.aborted === null ? new Watchdog(Date.now() + Math.max(...scenarios.map(maxScenarioMs)) + 5_000) : null;
  const timers: NodeJS.Timeout[] = [];
  run.startedAt = performance.now();
  run.startedAtMs = Date.now();
  if (run.aborted === null) {
    // k6 initialises the VUs before the start: all the scenarios need at once, at most.
    timers.push(setInterval(sampleVus, 1000));
    if (opts.progress) timers.push(setInterval(progress, 500));
    else if (!opts.quiet && process.stderr.isTTY) timers.push(setInterval(() => err(`\rrunning (${(run.elapsedMs() / 1000).toFixed(1)}s), ${run.vusActive}/${run.vusInitialized} VUs, ${run.iterationsCompleted} complete and ${run.iterationsInterrupted} interrupted iterations   `), 1000));
    if (thresholds.sets.some((set) => set.thresholds.some((t) => t.abortOnFail))) {
      timers.push(
        setInterval(() => {
          const evaluation = thresholds.evaluate(run.registry, run.elapsedMs(), { final: false });
          if (evaluation.abort) {
            err(`thresholds on metrics '${evaluation.breached.join(', ')}' were crossed; at least one has abortOnFail enabled, stopping test prematurely\n`);
            run.abort('thresholds crossed', EXIT.thresholds);
          }
        }, THRESHOLD_EVAL_MS),
      );
    }
    await Promise.all(
      scenarioRuns.map(async ({ config, run: sr }) => {
        const startAt = run.startedAt + config.startTimeMs;
        if (config.startTimeMs > 0) {
          if (await until(startAt)) return;
          // Let a scenario ending at this same instant hand its VUs back first.
          await new Promise<void>((r) => setImmediate(r));
        }
        if (stopping) return;
        sr.startedAt = performance.now();
        sr.startedAtMs = Date.now();
        await createExecutor(config)(contextFor(sr, startAt));
      }),
    );
  }
  for (const t of timers) clearInterval(t);
  watchdog?.stop();
  // Deadlines nobody waits for any more (maxDuration, gracefulRampDown, ...) must not keep the process up.
  for (const w of waiters) clearTimeout(w.timer);
  waiters.clear();
  if (!opts.progress && !opts.quiet && process.stderr.isTTY) err(`\rrunning (${(run.elapsedMs() / 1000).toFixed(1)}s), ${run.iterationsCompleted} complete and ${run.iterationsInterrupted} interrupted iterations\n`);
  const testRunDurationMs = run.elapsedMs();
  sampleVus();
  if (opts.progress) progress();

  // --- teardown
  run.phase = 'teardown';
  if (typeof exports.teardown === 'function') {
    const teardownFn = exports.teardown;
    try {
      const timeout = parseTimeout(options.teardownTimeout, 60_000);
      if (setupWorker !== null) {
        const worker = setupWorker;
        await withTimeout('teardown()', timeout, () => worker.call('teardown', setupJson).then(unwrapWorkerResult));
      } else {
        await withTimeout('teardown()', timeout, () => vuStorage.run(run.setupVu.rootStore, () => teardownFn(setupData)));
      }
    } catch (e) {
      if (!(e instanceof TestAbortError)) {
        err(`teardown() failed: ${errorText(e)}\n`);
        exitForScriptError = e instanceof TimeoutError ? EXIT.teardownTimeout : EXIT.scriptError;
      }
    }
  }
  await closeAll(allVus);
  const requests = (run.m.http_reqs.sink as { count: number }).count;
  if (requests === 0 && run.iterationErrors > 0 && run.iterationErrors >= run.iterationsCompleted) {
    err(
      `\n!!! WARNING: the test made no HTTP request: every one of the ${run.iterationsCompleted} iterations threw an error (see the ERRO lines above).\n` +
        '!!! The metrics below describe failed iterations, not the target.\n\n',
    );
  }

  // --- summary
  run.phase = 'summary';
  const evaluation = thresholds.evaluate(run.registry, testRunDurationMs, { final: true });
  const data = buildSummaryData(run.registry, {
    thresholds,
    groups: run.groups,
    summaryTrendStats: trendStats,
    summaryTimeUnit: typeof options.summaryTimeUnit === 'string' ? options.summaryTimeUnit : '',
    noColor: options.noColor === true || Boolean(process.env.NO_COLOR),
    testRunDurationMs,
    isStdOutTTY: Boolean(process.stdout.isTTY),
    isStdErrTTY: Boolean(process.stderr.isTTY),
    ...(typeof exports.setup === 'function' ? { setupData } : {}),
  });
  let printed = opts.noSummary === true;
  if (typeof exports.handleSummary === 'function' && !printed) {
    const handle = exports.handleSummary;
    try {
      const result =
        setupWorker !== null
          ? await setupWorker.call('handleSummary', JSON.stringify(data)).then(unwrapWorkerResult)
          : await vuStorage.run(run.setupVu.rootStore, () => handle(jsonSafe(data)));
      if (result !== null && typeof result === 'object') {
        for (const [target, value] of Object.entries(result as Record<string, unknown>)) {
          const bytes = toBytes(value);
          if (target === 'stdout') out(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString());
          else if (target === 'stderr') err(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString());
          else await writeAtomic(resolve(target), bytes);
        }
      }
      printed = true;
    } catch (e) {
      err(`handleSummary() failed: ${errorText(e)}\nfalling back to the default summary\n`);
    }
  }
  // Worker VUs stop before the summary: nothing of theirs prints after it.
  await pool?.closeAll();
  if (!printed) out(renderTextSummary(data) + '\n');
  // k6 writes the export with the summary: --no-summary skips it too.
  if (opts.summaryExport && !opts.noSummary) await writeAtomic(resolve(opts.summaryExport), formatLegacySummaryExport(data));
  await csv?.close();
  if (ndjson !== null) {
    await ndjson.close();
    const warning = ndjson.warning();
    if (warning) err(`${warning}\n`);
  }

  let exitCode: number = EXIT.ok;
  if (exitForScriptError !== null) exitCode = exitForScriptError;
  else if (run.aborted !== null) exitCode = run.aborted.exitCode;
  else if (evaluation.failed) exitCode = EXIT.thresholds;
  else if (run.failedByScript) exitCode = EXIT.markedFailed;
  if (evaluation.failed && !opts.quiet) err(`thresholds on metrics '${evaluation.breached.join(', ')}' have been crossed\n`);
  run.phase = 'done';
  return { exitCode, summary: data };
}

/** A worker call's value, or its error thrown (a TestAbortError when the script aborted the test). */
function unwrapWorkerResult(r: { value?: unknown; error?: Error; aborted?: boolean }): unknown {
  if (r.error !== undefined) throw r.aborted ? new TestAbortError(r.error.message) : r.error;
  return r.value;
}

function parseTimeout(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const ms = typeof value === 'number' || typeof value === 'string' ? parseDurationMs(value, 'ms') : null;
  return ms !== null && ms > 0 ? ms : fallback;
}

async function closeAll(vus: Vu[]): Promise<void> {
  await Promise.all(
    vus.map(async (vu) => {
      const conns = vu.connections;
      vu.connections = null;
      await conns?.destroy();
    }),
  );
}
