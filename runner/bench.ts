// `npm run bench`: mock up, target up, baseline and target runs under the same load, resource
// sampling, rig checks, one result file per kind of run, a table, and everything stopped after.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resultFromSummary, writeResultFile, type Result, type ResultMeta } from '../reporter/index.ts';
import { ensureBuilt, scriptPath } from './engines/build.ts';
import { selectEngine, type EngineMode, type SelectedEngine } from './engines/engine-select.ts';
import { describeEnvironment, type Environment } from './sampling/environment.ts';
import { BenchError, lastLine } from './errors.ts';
import { runLoad, type LoadRun } from './engines/load.ts';
import { startMockProcess, type MockProcess } from './processes/mock-process.ts';
import { describePinning, loadgenCores, pinPids, planPinning, tasksetPath, tasksetPrefix, type PinPlan } from './sampling/pinning.ts';
import { createProgress, progressMode, progressTarget, type ProgressView } from './progress.ts';
import { descendants } from './processes/process-tree.ts';
import {
  calibrationFor,
  calibrationPath,
  fetchMockStats,
  judgeRig,
  mockServerErrors,
  modelRequests,
  openModelShortfall,
  readCalibration,
  type CalibrationEntry,
} from './sampling/rig.ts';
import { ResourceSampler, type MachineSummary, type UsageSummary } from './sampling/sampler.ts';
import {
  checkStartedAnswers,
  exitReason,
  locateTarget,
  refuseTakenPort,
  startTargetCommand,
  waitUntilAnswers,
  type StartedTarget,
  type TargetProcess,
} from './target.ts';
import { renderBenchSummary, type Written } from './table.ts';
import { runSweep, type SweepOptions, type SweepRig, type SweepSide } from './sweep/sweep.ts';

export interface BenchOptions {
  /** URL of the proxy under test; null = benchmark the mock itself. */
  target: string | null;
  targetCmd: string | null;
  targetPid: number | null;
  scenario: string;
  /** null = the scenario's default. */
  requests: number | null;
  concurrency: number | null;
  durationS: number;
  rate: number | null;
  maxVus: number | null;
  name: string;
  output: string;
  engine: EngineMode;
  headers: Record<string, string>;
  apiKey: string | null;
  model: string | null;
  endpoint: string | null;
  maxTokens: number | null;
  /** Flags for `llmux-bench mock` (e.g. ['--latency', '50ms']). */
  mockArgs: string[];
  /** What the result records under `mock` (durations in ns). */
  mockSettings: NonNullable<Result['mock']>;
  warmupS: number;
  repeat: number;
  baseline: boolean;
  pin: boolean;
  readyTimeoutMs: number;
  quiet: boolean;
  /** `--sweep`: find the capacity within an SLO instead of one fixed load. */
  sweep: SweepOptions | null;
}

export interface BenchIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  /** Aborted on Ctrl-C: the current run stops and what was measured is written as partial. */
  signal: AbortSignal;
}

/** One load run with what was sampled around it. */
export interface Measured {
  kind: 'baseline' | 'target';
  url: string;
  load: LoadRun;
  usage: Record<string, UsageSummary | null>;
  machine: MachineSummary | null;
  mockErrors: number;
  memorySource: string;
  /** Why the rig counts as saturated (empty when it does not). */
  rigReasons: string[];
  meta: ResultMeta;
  /** The result without baseline/overhead, used to pick the median run. */
  draft: Result;
}

export const EXIT_INTERRUPTED = 130;

/** Environment for the scenario script (`-e K=V`); never printed, it may hold the API key. */
export function scriptEnv(opts: BenchOptions, url: string, runName: string, outputDir: string): Record<string, string> {
  // The warm-up runs inside each run (same process, same connections); the scenario tags its
  // requests phase:warmup and the reporter reads only the {phase:measure} numbers.
  const env: Record<string, string> = { TARGET: url, NAME: runName, OUTPUT: outputDir, WARMUP: String(opts.warmupS) };
  if (opts.requests !== null) env.REQUESTS = String(opts.requests);
  if (opts.concurrency !== null) env.CONCURRENCY = String(opts.concurrency);
  if (opts.durationS > 0) env.DURATION = String(opts.durationS);
  if (opts.rate !== null) env.RATE = String(opts.rate);
  if (opts.maxVus !== null) env.MAX_VUS = String(opts.maxVus);
  if (opts.model !== null) env.MODEL = opts.model;
  if (opts.endpoint !== null) env.ENDPOINT = opts.endpoint;
  if (opts.maxTokens !== null) env.MAX_TOKENS = String(opts.maxTokens);
  if (opts.apiKey !== null) env.API_KEY = opts.apiKey;
  if (Object.keys(opts.headers).length > 0) env.HEADERS = JSON.stringify(opts.headers);
  return env;
}

/** Secrets travel in the load generator's environment, not on its command line. */
export function splitSecrets(env: Record<string, string>): { env: Record<string, string>; secretEnv: Record<string, string> } {
  const { API_KEY, HEADERS, ...rest } = env;
  const secretEnv: Record<string, string> = {};
  if (API_KEY !== undefined) secretEnv.API_KEY = API_KEY;
  if (HEADERS !== undefined) secretEnv.HEADERS = HEADERS;
  return { env: rest, secretEnv };
}

/** Replaces every secret (API key, header values) in text that came from a child process. */
export function redactor(opts: Pick<BenchOptions, 'apiKey' | 'headers'>): (text: string) => string {
  const secrets = [opts.apiKey, ...Object.values(opts.headers)].filter((s): s is string => Boolean(s && s.length >= 3));
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

export async function runBench(opts: BenchOptions, io: BenchIO): Promise<number> {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const redact = redactor(opts);
  const cleanups: Array<() => Promise<void>> = [];
  try {
    if (await ensureBuilt()) say('built the scenarios (dist/ was missing or older than k6/)');
    const engine = await selectEngine(opts.engine);
    const script = scriptPath(opts.scenario);
    const output = resolve(opts.output);
    try {
      await mkdir(output, { recursive: true });
    } catch (error) {
      throw new BenchError(`--output ${opts.output}: cannot create the directory (${(error as Error).message})`);
    }

    let pin: PinPlan | null = null;
    let taskset: string | null = null;
    if (opts.pin) {
      taskset = tasksetPath();
      pin = taskset ? planPinning() : null;
      if (!pin) say(`--pin: ${taskset ? 'one core only' : 'taskset (util-linux) not found'}; running unpinned`);
    }
    const prefix = (role: keyof PinPlan) => (pin && taskset ? tasksetPrefix(taskset, pin[role]) : []);
    const environment = describeEnvironment(engine, pin ? describePinning(pin) : null);
    const calibration = calibrationFor(await readCalibration(calibrationPath(output)), environment, engine.kind, opts.scenario);
    if (calibration) say(`rig ceiling from ${calibrationPath(output)}: ${calibration.rps.toFixed(0)} rps (${calibration.engine} ${calibration.scenario}, ${calibration.measured_at})`);

    // A proxy that should already run is checked before anything starts: a wrong URL fails in seconds.
    let located: TargetProcess | null = null;
    if (opts.target && opts.targetCmd) await refuseTakenPort(opts.target.replace(/\/+$/, ''));
    if (opts.target && !opts.targetCmd) {
      await waitUntilAnswers(opts.target.replace(/\/+$/, ''), { timeoutMs: opts.readyTimeoutMs, signal: io.signal });
      located = locateTarget(opts.target, opts.targetPid);
    }

    const mock = await startMockProcess(opts.mockArgs, { prefix: prefix('mock') }).catch((error) => {
      if (error instanceof BenchError && error.message.includes('address already in use')) {
        throw new BenchError(`${error.message} (another mock or service holds that port: stop it or pass --mock-port)`);
      }
      throw error;
    });
    cleanups.push(mock.stop);
    if (io.signal.aborted) throw new AbortedError('aborted');
    say(`mock listening on ${mock.url} (pid ${mock.pid})`);

    // The process tree measured as "the target".
    let targetUrl = mock.url;
    let targetPid: number | null = mock.pid;
    let started: StartedTarget | null = null;
    let memorySource = 'mock';
    const warnings: string[] = [];
    if (opts.target) {
      targetUrl = opts.target.replace(/\/+$/, '');
      if (opts.targetCmd) {
        started = startTargetCommand(opts.targetCmd, mock.url, prefix('target'));
        cleanups.push(started.stop);
        say(`started --target-cmd (pid ${started.pid}); waiting for ${targetUrl}`);
      }
      if (started) {
        await waitUntilAnswers(targetUrl, { started, timeoutMs: opts.readyTimeoutMs, signal: io.signal }).catch((error) => {
          throw error instanceof BenchError ? new BenchError(redact(error.message)) : error;
        });
        if (io.signal.aborted) throw new AbortedError('aborted');
        try {
          checkStartedAnswers(targetUrl, started);
        } catch (error) {
          throw error instanceof BenchError ? new BenchError(redact(error.message)) : error;
        }
        targetPid = started.pid;
        memorySource = 'target-cmd';
      } else if (located) {
        targetPid = located.pid;
        memorySource = located.source;
        if (located.warning) warnings.push(located.warning);
        if (pin && taskset && targetPid) cleanups.push(await pinPids(taskset, [targetPid, ...(await descendants(targetPid))], pin.target));
      }
      say(`target ${targetUrl} answers${targetPid ? ` (measuring pid ${targetPid}, ${memorySource})` : ''}`);
    }
    for (const warning of warnings) say(`warning: ${warning}`);

    const work = await mkdtemp(join(tmpdir(), 'llmux-bench-'));
    cleanups.push(() => rm(work, { recursive: true, force: true }));

    const ctx: RunContext = { opts, io, engine, script, work, mock, started, pin, environment, calibration, prefix: prefix('loadgen'), redact };
    const withBaseline = Boolean(opts.target) && opts.baseline;
    let written: Written[];
    if (opts.sweep) {
      const sides: SweepSide[] = [];
      if (withBaseline) sides.push({ kind: 'baseline', name: 'baseline', url: mock.url, pid: mock.pid, memorySource: 'mock' });
      sides.push({ kind: 'target', name: opts.name, url: targetUrl, pid: targetPid, memorySource });
      const rig: SweepRig = {
        io,
        output: opts.output,
        targetExited: () => Boolean(started?.proc.exit),
        runStep: async (side, step) => {
          const stepOpts = { ...opts, rate: step.rate, concurrency: step.vus, maxVus: step.vus, requests: null, durationS: step.durationS, warmupS: step.warmupS, repeat: 1 };
          const run = await measure({ ...ctx, opts: stepOpts }, side.kind, side.url, side.pid, side.memorySource, step.label);
          return run && { draft: run.draft, rigReasons: run.rigReasons, summary: run.load.summary, meta: run.meta };
        },
      };
      written = await runSweep(rig, sides, opts.sweep);
    } else {
      written = await runFixedLoad(ctx, withBaseline, targetUrl, targetPid, memorySource);
    }
    const interrupted = io.signal.aborted;
    for (const { file } of written) io.stdout.write(`wrote ${file}\n`);
    for (const { result } of written) {
      if (result.rig?.rig_saturated) {
        io.stdout.write(`\nRIG SATURATED (${result.name}): this number measures the benchmark rig, not the proxy.\n`);
        for (const reason of rigReasons(result)) io.stdout.write(`  - ${reason}\n`);
      }
    }
    // The started proxy died: what ran is written (the cut run marked partial), then the run fails.
    if (started?.proc.exit) {
      const partial = written.some(({ result }) => result.partial);
      throw new BenchError(redact(`--target-cmd exited during the benchmark (${exitReason(started)})${partial ? '; the load was stopped and what ran was written, marked partial' : ''}`));
    }
    if (interrupted) {
      io.stdout.write(`\ninterrupted: ${written.length > 0 ? 'results marked "partial": true' : 'nothing was measured'}\n`);
      return EXIT_INTERRUPTED;
    }
    if (!opts.target) {
      io.stdout.write(
        [
          '',
          'That was the mock measured directly: the ceiling any proxy in front of it is compared with.',
          'To benchmark a proxy, point it at the mock and at the proxy:',
          '  npm run bench -- --target http://localhost:4000 --name my-proxy        (proxy already running, upstream http://localhost:8080)',
          `  npm run bench -- --target http://127.0.0.1:4000 --target-cmd 'my-proxy --port 4000 --upstream "$MOCK_URL"'   (the runner starts and stops it)`,
          '',
        ].join('\n'),
      );
    }
    const failedThresholds = written.flatMap(({ result: r }) => (r.thresholds ?? []).filter((t) => !t.ok).map((t) => `${r.name}: ${t.metric} ${t.expression}`));
    if (failedThresholds.length > 0) {
      io.stdout.write(`thresholds failed: ${failedThresholds.join('; ')}\n`);
      return 99;
    }
    return 0;
  } catch (error) {
    if (error instanceof AbortedError) {
      io.stdout.write('interrupted before any load ran: nothing was measured\n');
      return EXIT_INTERRUPTED;
    }
    throw error;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

/** The fixed-load runs (--repeat times baseline then target), median run of each written, table printed. */
async function runFixedLoad(ctx: RunContext, withBaseline: boolean, targetUrl: string, targetPid: number | null, memorySource: string): Promise<Written[]> {
  const { opts, io, mock, started } = ctx;
  const runs: Record<'baseline' | 'target', Measured[]> = { baseline: [], target: [] };
  for (let i = 1; i <= opts.repeat && !io.signal.aborted; i++) {
    const suffix = opts.repeat > 1 ? ` ${i}/${opts.repeat}` : '';
    if (withBaseline) {
      const run = await measure(ctx, 'baseline', mock.url, mock.pid, 'mock', `baseline${suffix}`);
      if (run) runs.baseline.push(run);
      if (io.signal.aborted || started?.proc.exit) break;
    }
    const run = await measure(ctx, 'target', targetUrl, targetPid, memorySource, `${opts.target ? 'target' : 'mock'}${suffix}`);
    if (run) runs.target.push(run);
    if (started?.proc.exit) break;
  }

  const interrupted = io.signal.aborted;
  const baselineWritten = runs.baseline.length > 0 ? await writeMedian(ctx, runs.baseline, 'baseline', null, interrupted) : null;
  const targetWritten = runs.target.length > 0 ? await writeMedian(ctx, runs.target, opts.name, baselineWritten, interrupted) : null;
  const written = [baselineWritten, targetWritten].filter((w): w is Written => w !== null);

  if (written.length > 0) io.stdout.write(`\n${renderBenchSummary(targetWritten, baselineWritten)}\n\n`);
  return written;
}

export interface RunContext {
  opts: BenchOptions;
  io: BenchIO;
  engine: SelectedEngine;
  script: string;
  work: string;
  mock: MockProcess;
  /** The proxy the runner started (--target-cmd); its exit ends a target run. */
  started?: StartedTarget | null;
  /** Cores given to each role with --pin (null: unpinned). */
  pin?: PinPlan | null;
  environment: Environment;
  calibration: CalibrationEntry | null;
  prefix: string[];
  redact: (text: string) => string;
}

/** Runs the load once against `url`, sampling the target tree, the mock and the load generator. */
export async function measure(
  ctx: RunContext,
  kind: 'baseline' | 'target',
  url: string,
  targetPid: number | null,
  memorySource: string,
  label: string,
): Promise<Measured | null> {
  const { opts, io, engine, mock } = ctx;
  const runName = `${kind}-${Date.now()}`;
  const sampler = new ResourceSampler();
  sampler.track('target', targetPid);
  sampler.track('mock', mock.pid);
  sampler.track('loadgen', null);
  const progress: ProgressView = createProgress(progressMode(io.stderr, opts.quiet), progressTarget(label, opts));
  const before = await fetchMockStats(mock.url);
  // k6 has no machine-readable progress: count what reached the mock instead.
  let poll: NodeJS.Timeout | undefined;
  if (engine.kind !== 'embedded') {
    const t0 = Date.now();
    poll = setInterval(() => {
      void fetchMockStats(mock.url).then((now) => {
        const requests = modelRequests(now);
        if (requests !== null) progress.update({ elapsedMs: Date.now() - t0, requests: requests - (modelRequests(before) ?? 0), failed: null });
      });
    }, 500);
  }
  sampler.start();
  // Ctrl-C, or the mock dying, ends the load (a dead mock would only be measured as errors).
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  io.signal.addEventListener('abort', onAbort, { once: true });
  if (io.signal.aborted) stop.abort();
  void mock.exited.then(onAbort);
  if (kind === 'target' && ctx.started) void ctx.started.proc.exited.then(onAbort);
  let load: LoadRun;
  try {
    load = await runLoad({
      engine,
      script: ctx.script,
      ...splitSecrets(scriptEnv(opts, url, runName, ctx.work)),
      summaryPath: join(ctx.work, `${runName}.summary.json`),
      prefix: ctx.prefix,
      signal: stop.signal,
      onSpawn: (pid) => sampler.track('loadgen', pid),
      onProgress: (p) => progress.update({ elapsedMs: p.elapsed_ms, requests: p.requests, failed: p.failed }),
    });
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    clearInterval(poll);
    progress.stop();
  }
  await sampler.stop();
  const died = mock.exitReason();
  if (died) throw new BenchError(`the mock exited during the ${label} run (${died}); nothing measured from it is trustworthy`);
  const after = await fetchMockStats(mock.url);
  // Resources count from the end of the warm-up to the end of the load.
  const llmux = (load.summary?.llmux ?? {}) as { start_time?: string | null; end_time?: string; warmup_s?: number };
  const start = Date.parse(llmux.start_time ?? '');
  const window = [Number.isNaN(start) ? -Infinity : start + (llmux.warmup_s ?? 0) * 1000, Date.parse(llmux.end_time ?? '') || Infinity] as const;
  const usage = sampler.summary(...window);
  const machine = sampler.machineSummary(...window);
  if (!load.summary) {
    if (load.aborted) return null;
    const why = ctx.redact(lastLine(load.stderr) || lastLine(load.stdout));
    throw new BenchError(`the load generator (${engine.kind}) exited with code ${load.exitCode} and wrote no summary${why ? `: ${why}` : ''}`);
  }
  const sampled = { kind, url, load, usage, machine, mockErrors: mockServerErrors(before, after), memorySource };
  const { meta, rigReasons } = runMeta(ctx, sampled);
  const { result } = resultFromSummary(load.summary, meta);
  return { ...sampled, meta, rigReasons, draft: result };
}

type Sampled = Pick<Measured, 'kind' | 'url' | 'load' | 'usage' | 'machine' | 'mockErrors' | 'memorySource'>;

function runMeta(ctx: RunContext, m: Sampled): { meta: ResultMeta; rigReasons: string[] } {
  const { opts, engine, environment, calibration } = ctx;
  const target = m.usage.target;
  const mockUsage = m.usage.mock;
  const loadgen = m.usage.loadgen;
  const summary = m.load.summary as { metrics?: Record<string, { values?: Record<string, number> }>; state?: { testRunDurationMs?: number } };
  // Rate of successful requests, for the RPS ceiling check (the reporter computes the same later).
  const reqs = summary.metrics?.http_reqs?.values?.count ?? 0;
  const seconds = (summary.state?.testRunDurationMs ?? 0) / 1000;
  const verdict = judgeRig({
    mockCpuPeak: mockUsage?.peak_cpu_percent ?? null,
    loadgenCpuPeak: loadgen?.peak_cpu_percent ?? null,
    mockErrors: m.mockErrors,
    achievedRps: seconds > 0 ? reqs / seconds : null,
    loadgenCores: loadgenCores(engine.kind, environment.cores, ctx.pin ?? null),
    calibration,
    machineBusyAvg: m.machine?.avg_busy_percent ?? null,
    cores: environment.cores,
  });
  const meta: ResultMeta = {
    name: m.kind === 'baseline' ? 'baseline' : opts.name,
    target: m.url,
    // LLMux's format: 0 requests asked for when the run is bounded by time.
    ...(opts.durationS > 0 ? { requests: 0 } : {}),
    scenario: opts.scenario,
    engine: { name: engine.kind, version: engine.version },
    // A baseline has no proxy: the mock's own memory is no "target" to compare a proxy with.
    memory: target && !(m.kind === 'baseline' && opts.target)
      ? { peak_rss_bytes: target.peak_rss_bytes, avg_rss_bytes: target.avg_rss_bytes, samples: target.samples, source: m.memorySource }
      : null,
    cpu: target && !(m.kind === 'baseline' && opts.target) ? { avg_percent: target.avg_cpu_percent, peak_percent: target.peak_cpu_percent } : null,
    rig: {
      mock_cpu_peak_percent: mockUsage?.peak_cpu_percent ?? null,
      loadgen_cpu_peak_percent: loadgen?.peak_cpu_percent ?? null,
      rig_saturated: verdict.saturated,
    },
    mock: opts.mockSettings,
    environment,
    partial: m.load.aborted,
  };
  return { meta, rigReasons: verdict.reasons };
}

function rigReasons(result: Result): string[] {
  return (result.warnings ?? []).filter((w) => w.startsWith('rig: ')).map((w) => w.slice(5));
}

/** Coefficient of variation (sample standard deviation / mean); null for fewer than two values. */
export function coefficientOfVariation(values: number[]): number | null {
  if (values.length < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (mean === 0) return null;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance) / mean;
}

/** The run with the median RPS (the lower middle for an even count). */
export function medianRun<T extends { draft: Pick<Result, 'rps'> }>(runs: T[]): T {
  const sorted = [...runs].sort((a, b) => (a.draft.rps ?? 0) - (b.draft.rps ?? 0));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function writeMedian(ctx: RunContext, runs: Measured[], name: string, baseline: Written | null, interrupted: boolean): Promise<Written> {
  const { opts } = ctx;
  const chosen = medianRun(runs);
  const { result, warnings } = resultFromSummary(chosen.load.summary, {
    ...chosen.meta,
    name,
    partial: chosen.load.aborted || (interrupted && runs.length < opts.repeat),
    repeat: { runs: runs.length, rps_cov: coefficientOfVariation(runs.map((r) => r.draft.rps ?? 0)) },
    ...(baseline ? { baseline: baseline.result, baseline_file: baseline.file } : {}),
  });
  // The result file says why the rig flag is set, beside the flag.
  const shortfall = openModelShortfall(result.load);
  result.warnings = [...warnings, ...chosen.rigReasons.map((r) => `rig: ${r}`), ...(shortfall ? [`load: ${shortfall}`] : [])];
  if (opts.repeat > 1) {
    ctx.io.stderr.write(`${name}: rps over ${runs.length} runs: ${runs.map((r) => (r.draft.rps ?? 0).toFixed(0)).join(', ')} (median ${(chosen.draft.rps ?? 0).toFixed(0)})\n`);
  }
  const file = await writeResultFile(result, opts.output);
  return { result, file };
}

class AbortedError extends Error {}
