// `npm run bench`: mock up, target up, baseline and target runs under the same load, resource
// sampling, rig checks, one result file per kind of run, a table, and everything stopped after.
import { join } from 'node:path';
import { OutputError, resultFromSummary, writeResultFile, type Result, type ResultMeta } from '../reporter/index.ts';
import { ensureBuilt, scriptPath } from './engines/build.ts';
import { selectEngine, type EngineMode, type SelectedEngine } from './engines/engine-select.ts';
import { scenarioBundleName } from './engines/sse-support.ts';
import { describeEnvironment, type Environment } from './sampling/environment.ts';
import { BenchError, errorLine } from './errors.ts';
import { runLoad, type LoadRun } from './engines/load.ts';
import { startMockProcess, type MockProcess } from './processes/mock-process.ts';
import { describePinning, embeddedWorkers, loadgenCores, pinPids, planPinning, tasksetPath, tasksetPrefix, type PinPlan } from './sampling/pinning.ts';
import { createProgress, progressMode, progressTarget, type ProgressView } from './progress.ts';
import { descendants } from './processes/process-tree.ts';
import { createWorkDir } from './processes/work-dir.ts';
import {
  calibrationFor,
  calibrationPath,
  fetchMockStats,
  judgeRig,
  mockServerErrors,
  mockWorkers,
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
import { PROBE_REQUESTS, provePath, readinessFor } from './readiness.ts';
import { SampleCollector } from './error-samples.ts';
import { createTargetLog } from './target-log.ts';
import { placementOf, saturationAdvice } from './placement.ts';
import { warmUp, type WarmupOutcome } from './warmup.ts';
import { endAtStop, maxRunSeconds, partialReason, type StopReason } from './bounds.ts';
import { runSweep, type SweepOptions, type SweepRig, type SweepSide } from './sweep/sweep.ts';
import { checkOutputWritable } from './output-check.ts';
import { onStopNow } from './stop-now.ts';

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
  /** --engine-workers: worker threads of the embedded engine (undefined: chosen from the placement). */
  engineWorkers?: number;
  headers: Record<string, string>;
  apiKey: string | null;
  model: string | null;
  endpoint: string | null;
  maxTokens: number | null;
  /** STREAM for the tools and responses scenarios; null = the scenario's default. */
  stream: boolean | null;
  /** Flags for `llmux-bench mock` (e.g. ['--latency', '50ms']). */
  mockArgs: string[];
  /** What the result records under `mock` (durations in ns). */
  mockSettings: NonNullable<Result['mock']>;
  /** A fixed warm-up inside every run, seconds (0: none). */
  warmupS: number;
  /** Warm up before every run until throughput is steady (runner/warmup.ts). */
  warmupAuto: boolean;
  /** Count-based runs stop after this many seconds (0: unbounded). */
  maxDurationS: number;
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
  /** Failure samples the scenario logged during this run. */
  samples: SampleCollector;
  /** Why the load was stopped before its end, and when (Unix ms); null when it ran to its end. */
  stopReason: StopReason | null;
  stopAt: number | null;
  /** The warm-up before this run (--warmup auto), or null. */
  warm: WarmupOutcome | null;
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
  if (opts.stream !== null) env.STREAM = String(opts.stream);
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
    const output = await checkOutputWritable(opts.output);
    if (await ensureBuilt()) say('built the scenarios (dist/ was missing or older than k6/)');
    let engine = await selectEngine(opts.engine);
    // --scenario streaming times each token (dist/streaming-sse.js) when the generator has k6/x/sse.
    const { bundle, note } = await scenarioBundleName(opts.scenario, engine);
    if (note) say(note);
    const script = scriptPath(bundle);

    let pin: PinPlan | null = null;
    let taskset: string | null = null;
    if (opts.pin) {
      taskset = tasksetPath();
      pin = taskset ? planPinning() : null;
      if (!pin) say(`CPU placement: unpinned (${taskset ? 'one core only' : 'taskset from util-linux not found'}); target, mock and load generator compete for CPU`);
      else say(`CPU placement: ${describePinning(pin)} (--no-pin to let them share every core)`);
    }
    const prefix = (role: keyof PinPlan) => (pin && taskset ? tasksetPrefix(taskset, pin[role]) : []);
    if (engine.kind === 'embedded') {
      const workers = opts.engineWorkers ?? embeddedWorkers(pin);
      engine = { ...engine, workers };
      if (workers > 1) say(`embedded engine: ${workers} worker threads${opts.engineWorkers === undefined ? ` (one per core of the load generator, ${pin?.loadgen})` : ''}`);
    }
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
    let targetLog: string | null = null;
    // Where the measured target runs; without --target it is the mock.
    const targetPlacement = { cpus: opts.target ? null : (pin?.mock ?? null), remote: false };
    const warnings: string[] = [];
    if (opts.target) {
      targetUrl = opts.target.replace(/\/+$/, '');
      if (opts.targetCmd) {
        started = startTargetCommand(opts.targetCmd, mock.url, prefix('target'));
        targetPlacement.cpus = pin ? pin.target : null;
        const log = createTargetLog(output, opts.name, redact);
        log.attach(started.proc);
        targetLog = log.path;
        cleanups.push(log.close, started.stop);
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
        if (pin && taskset && targetPid) {
          cleanups.push(await pinPids(taskset, [targetPid, ...(await descendants(targetPid))], pin.target));
          targetPlacement.cpus = pin.target;
        }
        if (!targetPid && located.source === 'none' && located.warning?.includes('is not this machine')) targetPlacement.remote = true;
      }
      say(`target ${targetUrl} answers${targetPid ? ` (measuring pid ${targetPid}, ${memorySource})` : ''}`);
      const proof = await provePath(readinessFor(opts, targetUrl, mock.url, redact, io.signal)).catch((error) => {
        if (error instanceof BenchError && targetLog) error.message += `\n  the proxy's output: ${targetLog}`;
        throw error;
      });
      say(`path proven: ${PROBE_REQUESTS} ${opts.scenario === 'streaming' ? 'streamed ' : ''}requests through ${targetUrl} reached the mock${proof.viaHeader ? '' : ' (the proxy does not forward custom headers)'}`);
    }
    for (const warning of warnings) say(`warning: ${warning}`);

    const workDir = await createWorkDir('llmux-bench-');
    cleanups.push(workDir.remove);
    const work = workDir.path;

    const ctx: RunContext = { opts, io, engine, script, work, mock, started, pin, environment, calibration, prefix: prefix('loadgen'), redact, targetLog, targetPlacement };
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
          const stepOpts = { ...opts, rate: step.rate, concurrency: step.vus, maxVus: step.vus, requests: null, durationS: step.durationS, warmupS: step.warmupS, warmupAuto: false, repeat: 1 };
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
        io.stdout.write(`  ${saturationAdvice(result)}\n`);
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
    // A result file that could not be written (e.g. a sweep's): one line, not a stack.
    if (error instanceof OutputError) throw new BenchError(`could not write a result: ${error.message}`);
    throw error;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

/** The fixed-load runs (--repeat times baseline then target), median run of each written, table printed. */
async function runFixedLoad(ctx: RunContext, withBaseline: boolean, targetUrl: string, targetPid: number | null, memorySource: string): Promise<Written[]> {
  const { opts, io, mock, started } = ctx;
  const runs: Record<'baseline' | 'target', Measured[]> = { baseline: [], target: [] };
  // Written once: after the last run, or on a second Ctrl-C with the runs finished by then.
  let writes: Promise<{ baseline: Written | null; target: Written | null }> | undefined;
  const writeRuns = () =>
    (writes ??= (async () => {
      const interrupted = io.signal.aborted;
      const baseline = runs.baseline.length > 0 ? await writeMedian(ctx, runs.baseline, 'baseline', null, interrupted) : null;
      const target = runs.target.length > 0 ? await writeMedian(ctx, runs.target, opts.name, baseline, interrupted) : null;
      return { baseline, target };
    })());
  const unregister = onStopNow(async () => {
    const { baseline, target } = await writeRuns();
    for (const w of [baseline, target]) if (w) io.stdout.write(`wrote ${w.file}\n`);
  });
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

  const { baseline: baselineWritten, target: targetWritten } = await writeRuns();
  unregister();
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
  /** The started proxy's output log (--target-cmd). */
  targetLog?: string | null;
  /** The target's CPUs (null: not pinned) and whether it runs on another machine. */
  targetPlacement?: { cpus: string | null; remote: boolean };
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
  const warm = opts.warmupAuto && !io.signal.aborted
    ? await warmUp(
        { opts, engine, work: ctx.work, mockUrl: mock.url, prefix: ctx.prefix, env: splitSecrets(scriptEnv(opts, url, runName, ctx.work)), signal: io.signal, say: (line) => io.stderr.write(`${line}\n`) },
        label,
      )
    : null;
  const sampler = new ResourceSampler();
  const samples = new SampleCollector();
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
  // Ctrl-C, the mock dying, or --max-duration ends the load (a dead mock would only be measured as errors).
  const stop = new AbortController();
  let stopReason: StopReason | null = null;
  let stopAt: number | null = null;
  const stopFor = (reason: StopReason) => () => {
    if (stop.signal.aborted) return;
    stopReason = reason;
    stopAt = Date.now();
    stop.abort();
  };
  const onAbort = stopFor('interrupted');
  io.signal.addEventListener('abort', onAbort, { once: true });
  if (io.signal.aborted) onAbort();
  void mock.exited.then(stopFor('mock exited'));
  if (kind === 'target' && ctx.started) void ctx.started.proc.exited.then(stopFor('target exited'));
  // The bound counts from the load's start: the embedded engine's first progress line (before it,
  // Node is still starting and a SIGINT would kill it without a summary), k6's spawn.
  const limitS = maxRunSeconds(opts);
  let limit: NodeJS.Timeout | undefined;
  const armLimit = (elapsedMs: number) => {
    if (limitS === null || limit !== undefined || stop.signal.aborted) return;
    limit = setTimeout(() => {
      io.stderr.write(`${label}: --max-duration ${opts.maxDurationS} s reached: stopping the load; what ran is written, marked partial\n`);
      stopFor('max-duration')();
    }, Math.max(0, limitS * 1000 - elapsedMs));
  };
  let load: LoadRun;
  try {
    load = await runLoad({
      engine,
      script: ctx.script,
      ...splitSecrets(scriptEnv(opts, url, runName, ctx.work)),
      summaryPath: join(ctx.work, `${runName}.summary.json`),
      prefix: ctx.prefix,
      signal: stop.signal,
      onSpawn: (pid) => {
        sampler.track('loadgen', pid);
        if (engine.kind !== 'embedded') armLimit(0);
      },
      onProgress: (p) => {
        armLimit(p.elapsed_ms);
        progress.update({ elapsedMs: p.elapsed_ms, requests: p.requests, failed: p.failed });
      },
      onLogLine: (line) => samples.take(line),
    });
  } finally {
    io.signal.removeEventListener('abort', onAbort);
    clearTimeout(limit);
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
    const why = ctx.redact(errorLine(load.stderr) || errorLine(load.stdout));
    throw new BenchError(`the load generator (${engine.kind}) exited with code ${load.exitCode} and wrote no summary${why ? `: ${why}` : ''}`);
  }
  const sampled = { kind, url, load, usage, machine, mockErrors: mockServerErrors(before, after), memorySource };
  const { meta, rigReasons } = runMeta(ctx, sampled);
  if (warm) meta.warmup_seconds = warm.seconds;
  const { result } = resultFromSummary(load.summary, meta);
  recordWarmup(result, warm);
  if (stopAt !== null) endAtStop(result, stopAt);
  return { ...sampled, meta, rigReasons, draft: result, samples, stopReason, stopAt, warm };
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
    loadgenCores: loadgenCores(engine, environment.cores, ctx.pin ?? null),
    mockCores: mockWorkers(opts.mockArgs),
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
      placement: placementOf(ctx.pin ?? null, m.kind === 'baseline' ? { cpus: ctx.pin?.mock ?? null, remote: false } : (ctx.targetPlacement ?? { cpus: null, remote: false })),
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

/** Coefficient of variation (sample standard deviation / mean); null for fewer than two values or any unmeasured one. */
export function coefficientOfVariation(values: Array<number | null>): number | null {
  if (values.length < 2 || values.some((v) => v === null)) return null;
  const measured = values as number[];
  const mean = measured.reduce((a, b) => a + b, 0) / measured.length;
  if (mean === 0) return null;
  const variance = measured.reduce((a, v) => a + (v - mean) ** 2, 0) / (measured.length - 1);
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
    repeat: { runs: runs.length, rps_cov: coefficientOfVariation(runs.map((r) => r.draft.rps ?? null)) },
    ...(baseline ? { baseline: baseline.result, baseline_file: baseline.file } : {}),
  });
  // The result file says why the rig flag is set, beside the flag.
  recordWarmup(result, chosen.warm);
  if (chosen.stopAt !== null) endAtStop(result, chosen.stopAt);
  if (chosen.stopReason) result.partial_reason = partialReason(chosen.stopReason, result, opts.maxDurationS);
  else if (result.partial) result.partial_reason = `interrupted after ${runs.length} of ${opts.repeat} runs`;
  result.error_samples = chosen.samples.merge(result.errors, ctx.redact);
  if (chosen.kind === 'target' && ctx.targetLog) result.target_log = ctx.targetLog;
  const shortfall = openModelShortfall(result.load);
  result.warnings = [...warnings, ...chosen.rigReasons.map((r) => `rig: ${r}`), ...(shortfall ? [`load: ${shortfall}`] : [])];
  if (opts.repeat > 1) {
    ctx.io.stderr.write(`${name}: rps over ${runs.length} runs: ${runs.map((r) => r.draft.rps?.toFixed(0) ?? '—').join(', ')} (median ${chosen.draft.rps?.toFixed(0) ?? '—'})\n`);
  }
  const file = await writeResultFile(result, opts.output).catch((error: unknown) => {
    throw error instanceof OutputError ? new BenchError(`could not write the ${name} result: ${error.message}`) : error;
  });
  return { result, file };
}

/** Whether the warm-up stabilised (null for a fixed warm-up or none). */
function recordWarmup(result: Result, warm: WarmupOutcome | null): void {
  if (result.load) result.load.warmup_stabilised = warm ? warm.stabilised : null;
}

class AbortedError extends Error {}
