// One test run, k6's life cycle: init (import the script), setup, scenarios, teardown, summary.
// Exit codes are k6's (errext/exitcodes): 0, 99 thresholds, 100/101 setup/teardown timeout, 104 invalid options, 105 interrupted (SIGINT),
// 107 script error, 108 aborted by the script, 110 exec.test.fail().
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatGoDuration, parseDurationMs } from '../lib/duration.ts';
import { errorText, TimeoutError } from './error-text.ts';
import { EXIT } from './exit-codes.ts';
import { DEFAULT_USER_AGENT } from './modules/http.ts';
import { resetSharedArrays } from './modules/data.ts';
import type { ScriptExports } from './script/compiled.ts';
import { lifeCycleExports, loadScript, vuKind, type LoadedScript, type VuKind } from './script/load.ts';
import { WorkerPool, type WorkerVu } from './sync/host.ts';
import { hostsOption } from './hosts.ts';
import { setHosts, setInsecureSkipTLSVerify } from './transport.ts';
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
import { runScenarios, type ProgressLine, type StopGrace } from './scenario-stage.ts';
import { localScenario } from './scenario-share.ts';
import { captureScriptOutput } from './script-console.ts';
import { underScript } from './env-config.ts';
import { rpsLimitOf } from './rps-limit.ts';
import { describeScenario, initialVus, maxScenarioMs, OptionsError, resolveScenarios, type ScenarioConfig, type ShortcutOverrides } from './scenario.ts';
import { instanceShare, parseSegment, parseSequence, type Share } from './segments.ts';
import { forVu } from './coroutines.ts';
import { vuStorage, type Vu } from './vu.ts';
import { runOnWorkers } from './workers/main.ts';

export { EXIT };

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
  /** `--config FILE`: options under the script's. */
  configOptions?: Record<string, unknown>;
  /** Script options from K6_* variables (they replace the script's; flags still win). */
  envOptions?: Record<string, unknown>;
  /** `--rps N`: options.rps. */
  rps?: number;
  /** `--sync-vus`: how the VUs of a synchronous-style script wait (default 'loop'). */
  syncVus?: 'loop' | 'threads';
  /** `--insecure-skip-tls-verify`. */
  insecureSkipTLSVerify?: boolean;
  /** `-v`: console.debug lines too. */
  verbose?: boolean;
  /** `--http-debug[=full]`: requests and responses on stderr (bodies with 'full'). */
  httpDebug?: 'headers' | 'full';
  /** Progress lines `{"progress":{...}}` every 500 ms. */
  progress?: (line: ProgressLine) => void;
  /** `--execution-segment`: the part of the run this instance runs ("0:1/2", "50%:100%"). */
  executionSegment?: string;
  /** `--execution-segment-sequence`: the parts of all instances ("0,1/3,2/3,1"). */
  executionSegmentSequence?: string;
  /** `--workers N`: run this instance's part on N worker threads (1 = in this thread). */
  workers?: number;
  /** Where summary text and logs go (tests capture them). */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

export type { ProgressLine };

export interface RunResult {
  exitCode: number;
  /** The handleSummary data (null when the run failed before the scenarios). */
  summary: SummaryData | null;
}

/** Grace for in-flight requests after Ctrl-C before iterations are interrupted. */
const SIGNAL_GRACE_MS = 2_000;

const jsonSafe = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

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

/** What the init stage yields: the script, its options resolved, the scenarios and thresholds. */
export interface PreparedRun {
  loaded: LoadedScript;
  exports: ScriptExports;
  options: Record<string, unknown>;
  scenarios: ScenarioConfig[];
  thresholds: Thresholds;
  trendStats: string[];
  /** This instance's part of the run (k6's execution segment; Share.FULL without one). */
  share: Share;
  /** Event-loop VUs or one worker thread per VU (engine/sync/). */
  kind: VuKind;
}

/** The instance's share from the flags, else the script's executionSegment options; throws OptionsError. */
function segmentShare(opts: RunOptions, options: Record<string, unknown>): Share {
  const pick = (flag: string | undefined, option: unknown, flagName: string, optionName: string): [string | undefined, string] => {
    if (flag !== undefined) return [flag, flagName];
    if (option === undefined || option === null) return [undefined, optionName];
    if (typeof option !== 'string') throw new OptionsError(`${optionName}: expected a string like "0:1/2" (got ${JSON.stringify(option)})`);
    return [option, optionName];
  };
  const [segment, segmentName] = pick(opts.executionSegment, options.executionSegment, '--execution-segment', 'executionSegment');
  const [sequence, sequenceName] = pick(opts.executionSegmentSequence, options.executionSegmentSequence, '--execution-segment-sequence', 'executionSegmentSequence');
  try {
    if (segment !== undefined) parseSegment(segment);
  } catch (e) {
    throw new OptionsError(`${segmentName}: ${(e as Error).message}`);
  }
  try {
    if (sequence !== undefined && sequence !== '') parseSequence(sequence);
  } catch (e) {
    throw new OptionsError(`${sequenceName}: ${(e as Error).message}`);
  }
  try {
    return instanceShare(segment, sequence);
  } catch (e) {
    throw new OptionsError(`${segmentName}: ${(e as Error).message}`);
  }
}

/**
 * The init stage: loads the script, applies the CLI overrides to its options, validates the
 * scenarios, thresholds and segments. Returns the exit code when the run cannot start. `warn`
 * gets the warnings about ignored flags and options.
 */
export async function prepareRun(run: TestRun, path: string, opts: RunOptions, err: (t: string) => void, warn: (t: string) => void = err): Promise<PreparedRun | number> {
  let exports: ScriptExports;
  let loaded: LoadedScript;
  try {
    loaded = await loadScript(path, run, { syncVus: opts.syncVus ?? 'loop' });
    exports = loaded.exports;
  } catch (e) {
    err(`script error: ${errorText(e)}\n`);
    return e instanceof TestAbortError ? EXIT.scriptAborted : EXIT.scriptError;
  }
  // A --config file under the script's options, K6_* variables over them, the command line over
  // all (engine/env-config.ts).
  const options = { ...underScript(opts.configOptions, (exports.options as Record<string, unknown> | undefined) ?? {}), ...opts.envOptions };
  if (opts.tags !== undefined) options.tags = { ...((options.tags as Record<string, unknown>) ?? {}), ...opts.tags };
  if (opts.summaryTrendStats !== undefined) options.summaryTrendStats = opts.summaryTrendStats;
  if (opts.insecureSkipTLSVerify) options.insecureSkipTLSVerify = true;
  if (opts.noThresholds) delete options.thresholds;
  if (opts.rps !== undefined) options.rps = opts.rps;
  if (opts.vus !== undefined) options.vus = opts.vus;
  if (opts.iterations !== undefined) options.iterations = opts.iterations;
  if (opts.durationMs !== undefined) options.duration = `${opts.durationMs}ms`;
  if (opts.executionSegment !== undefined) options.executionSegment = opts.executionSegment;
  if (opts.executionSegmentSequence !== undefined) options.executionSegmentSequence = opts.executionSegmentSequence;
  run.options = options;
  run.globalTags = Object.fromEntries(
    Object.entries((options.tags as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]),
  );
  run.discardResponseBodies = options.discardResponseBodies === true;
  run.userAgent = typeof options.userAgent === 'string' ? options.userAgent : DEFAULT_USER_AGENT;
  if (typeof options.maxRedirects === 'number' && options.maxRedirects >= 0) run.maxRedirects = options.maxRedirects;
  run.throwErrors = options.throw === true;

  if (opts.vus !== undefined && opts.iterations === undefined && opts.durationMs === undefined && options.scenarios) {
    warn('warning: --vus is ignored: the script defines scenarios (add --iterations or --duration to replace them)\n');
  }
  let scenarios: ScenarioConfig[];
  let thresholds: Thresholds;
  let share: Share;
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
    share = segmentShare(opts, options);
    setInsecureSkipTLSVerify(options.insecureSkipTLSVerify === true);
    setHosts(hostsOption(options.hosts));
    run.minIterationMs = durationOption(options.minIterationDuration, 'minIterationDuration');
    // options.httpDebug ("full" with bodies, any other truthy value headers only); the flag wins.
    if (run.httpDebug === null && options.httpDebug) run.httpDebug = options.httpDebug === 'full' ? 'full' : 'headers';
    run.batch = batchOption(options.batch, 'batch', 20, 1);
    run.batchPerHost = batchOption(options.batchPerHost, 'batchPerHost', 6, 0);
    run.rpsLimit = rpsLimitOf(options.rps, 1);
    run.noConnectionReuse = options.noConnectionReuse === true;
    run.noVUConnectionReuse = options.noVUConnectionReuse === true;
    for (const key of ['blockHostnames', 'blacklistIPs', 'systemTags', 'dns', 'localIPs', 'tlsAuth', 'tlsVersion', 'tlsCipherSuites']) {
      if (options[key] !== undefined && options[key] !== false) warn(`warning: option '${key}' is not supported by the embedded engine and is ignored\n`);
    }
  } catch (e) {
    err(`invalid options: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.invalidConfig;
  }
  // Event-loop VUs when every scenario function is async and no synchronous k6 API is called;
  // otherwise one worker thread per VU (engine/sync/).
  const kind: VuKind = vuKind(loaded, [...new Set(scenarios.map((s) => s.exec))]);
  return { loaded, exports, options, scenarios, thresholds, trendStats, share, kind };
}

/** A duration option ("1s", "500ms" or milliseconds) in ms; 0 when absent. */
function durationOption(value: unknown, key: string): number {
  if (value === undefined || value === null) return 0;
  const ms = typeof value === 'number' || typeof value === 'string' ? parseDurationMs(value, 'ms') : null;
  if (ms === null || ms < 0) throw new OptionsError(`${key}: expected a duration like "1s" or "500ms", got ${JSON.stringify(value)}`);
  return ms;
}

/** options.batch / batchPerHost: a whole number (at least `least`), or k6's default. */
function batchOption(value: unknown, key: string, fallback: number, least: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < least) throw new OptionsError(`${key}: expected a whole number of at least ${least}, got ${JSON.stringify(value)}`);
  return value;
}

/** k6's banner: where the run executes and its scenarios (this instance's part of them). */
function printBanner(err: (t: string) => void, path: string, scenarios: ScenarioConfig[], share: Share, workers: number, opts: RunOptions): void {
  const where = workers > 1 ? `local (llmux-bench embedded engine, ${workers} workers)` : 'local (llmux-bench embedded engine)';
  // k6's outputs describe themselves as "json (file)" and "csv (file)"; "-" when there is none.
  const outputs = [opts.jsonOut === undefined ? null : `json (${opts.jsonOut})`, opts.csvOut === undefined ? null : `csv (${opts.csvOut})`].filter((o) => o !== null);
  err(`\n     execution: ${where}\n        script: ${path}\n        output: ${outputs.length === 0 ? '-' : outputs.join(', ')}\n\n`);
  const local = scenarios.map((s) => localScenario(s, share));
  const maxVus = local.reduce((sum, s) => sum + (s.executor.endsWith('arrival-rate') ? (s as { maxVUs: number }).maxVUs : initialVus(s)), 0);
  const maxMs = Math.max(...scenarios.map(maxScenarioMs));
  // k6 rounds the end offset to 100 ms and always shows the execution segment's share.
  const part = `(${(share.fraction * 100).toFixed(2)}%) `;
  err(`     scenarios: ${part}${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}, ${maxVus} max VUs, ${formatGoDuration(Math.round(maxMs / 100) * 100)} max duration (incl. graceful stop):\n`);
  for (const s of local) err(`              * ${s.name}: ${describeScenario(s)}\n`);
  err('\n');
}

async function lifeCycle(
  run: TestRun,
  path: string,
  opts: RunOptions,
  out: (t: string) => void,
  err: (t: string) => void,
): Promise<RunResult> {
  // --- init stage
  resetSharedArrays();
  const prepared = await prepareRun(run, path, opts, err);
  if (typeof prepared === 'number') return { exitCode: prepared, summary: null };
  const { loaded, exports, options, scenarios, thresholds, trendStats, share, kind } = prepared;
  const workers = opts.workers ?? 1;

  let setupJson: string | undefined;
  let pool: WorkerPool | null = null;
  let setupWorker: WorkerVu | null = null;
  const lifeCycleFunctions = ['setup', 'teardown', 'handleSummary'].some((name) => typeof exports[name] === 'function');
  // With --workers the VUs live in the workers: this thread needs a worker VU for setup & co only.
  if (kind === 'worker' && (workers === 1 || lifeCycleFunctions)) {
    pool = new WorkerPool(run, loaded.bundle.code, path, () => setupJson);
    await pool.load();
    if (lifeCycleFunctions) {
      try {
        setupWorker = await pool.lifeCycle(run.setupVu);
      } catch (e) {
        err(`script error: ${errorText(e)}\n`);
        await pool.closeAll();
        return { exitCode: EXIT.scriptError, summary: null };
      }
    }
  }

  if (!opts.quiet) printBanner(err, path, scenarios, share, workers, opts);

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
  const stop: StopGrace = { graceMs: 0 };
  const interrupt = () => {
    if (run.aborted !== null) return;
    stop.graceMs = SIGNAL_GRACE_MS;
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
      const timeout = parseTimeout(options.setupTimeout, 60_000);
      if (setupWorker !== null) {
        const worker = setupWorker;
        setupJson = (await withTimeout('setup()', timeout, () => worker.call('setup').then(unwrapWorkerResult))) as string | undefined;
        setupData = setupJson === undefined ? undefined : JSON.parse(setupJson);
      } else {
        const setupFn = forVu(lifeCycleExports(loaded, run).setup as () => unknown, run.setupVu);
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

  // --- scenarios: in this thread, or this instance's part split over worker threads
  const stageInput = { run, opts, loaded, scenarios, share, kind, pool, setupJson, thresholds, stop, ndjson, err };
  const stage = workers > 1 ? await runOnWorkers({ ...stageInput, path, runOptions: opts, workers }) : await runScenarios(stageInput);
  const { testRunDurationMs, allVus } = stage;
  if (stage.exitForScriptError !== null) exitForScriptError = stage.exitForScriptError;

  // --- teardown
  run.phase = 'teardown';
  if (typeof exports.teardown === 'function') {
    try {
      const timeout = parseTimeout(options.teardownTimeout, 60_000);
      if (setupWorker !== null) {
        const worker = await pool!.lifeCycle(run.setupVu);
        await withTimeout('teardown()', timeout, () => worker.call('teardown', setupJson).then(unwrapWorkerResult));
      } else {
        const teardownFn = forVu(lifeCycleExports(loaded, run).teardown as (data: unknown) => unknown, run.setupVu);
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
    try {
      let result: unknown;
      if (setupWorker !== null) {
        const worker = await pool!.lifeCycle(run.setupVu);
        result = await worker.call('handleSummary', JSON.stringify(data)).then(unwrapWorkerResult);
      } else {
        const handle = forVu(lifeCycleExports(loaded, run).handleSummary as (data: unknown) => unknown, run.setupVu);
        result = await vuStorage.run(run.setupVu.rootStore, () => handle(jsonSafe(data)));
      }
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
  if (!printed) {
    const thresholdValues = new Map<string, Map<string, number>>();
    for (const r of evaluation.results) {
      let byMetric = thresholdValues.get(r.metric);
      if (byMetric === undefined) thresholdValues.set(r.metric, (byMetric = new Map()));
      byMetric.set(r.threshold, r.value);
    }
    out(renderTextSummary(data, { thresholdValues }) + '\n');
  }
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
  // k6 ends such runs with an error line of its logger.
  const at = `[${String(Math.floor(run.elapsedMs() / 1000)).padStart(4, '0')}]`;
  if (run.aborted !== null && run.aborted.exitCode === EXIT.scriptAborted) err(`ERRO${at} ${run.aborted.reason}\n`);
  else if (evaluation.failed && !opts.quiet) err(`ERRO${at} thresholds on metrics '${evaluation.breached.join(', ')}' have been crossed\n`);
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

/** Closes the VUs' keep-alive connections. */
export async function closeAll(vus: Vu[]): Promise<void> {
  await Promise.all(
    vus.map(async (vu) => {
      const conns = vu.connections;
      vu.connections = null;
      await conns?.destroy();
    }),
  );
}
