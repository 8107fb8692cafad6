// `engine run --workers N`, the main thread's side: starts N worker threads, each running one
// part of this instance's share (engine/segments.ts), starts them together, merges their samples
// into the run's registry (so thresholds, outputs, progress and the summary see one stream),
// carries stops both ways, and terminates a worker still busy past the run's deadline.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { errorText } from '../error-text.ts';
import { EXIT } from '../exit-codes.ts';
import type { GroupData } from '../metrics/index.ts';
import type { RunOptions } from '../run.ts';
import { maxScenarioMs } from '../scenario.ts';
import { sampleVusOf, startRunTimers, type ScenarioStageInput, type ScenarioStageResult } from '../scenario-stage.ts';
import type { FromSegmentWorker, SegmentWorkerData, ToSegmentWorker, WorkerCounters, WorkerRunOptions } from './protocol.ts';
import { SampleMerger } from './sample-stream.ts';

/** A worker still running this long after the run's deadline (or a stop's grace) is terminated. */
const WORKER_GRACE_MS = 5_000;

export interface WorkersInput extends ScenarioStageInput {
  path: string;
  runOptions: RunOptions;
  workers: number;
}

/** The options a worker needs, as plain data (the environment already resolved). */
function workerOptions(run: ScenarioStageInput['run'], o: RunOptions): WorkerRunOptions {
  return {
    env: run.env,
    vus: o.vus,
    iterations: o.iterations,
    durationMs: o.durationMs,
    stages: o.stages,
    tags: o.tags,
    summaryTrendStats: o.summaryTrendStats,
    noThresholds: o.noThresholds,
    rps: o.rps,
    syncVus: o.syncVus,
    envOptions: o.envOptions,
    configOptions: o.configOptions,
    insecureSkipTLSVerify: o.insecureSkipTLSVerify,
    verbose: o.verbose,
    httpDebug: o.httpDebug,
    executionSegment: o.executionSegment,
    executionSegmentSequence: o.executionSegmentSequence,
  };
}

/** One worker thread and what the main thread knows of it. */
class SegmentWorker {
  readonly worker: Worker;
  counters: WorkerCounters = { iterationsCompleted: 0, iterationsInterrupted: 0, vusActive: 0, vusInitialized: 0, iterationErrors: 0, failedByScript: false };
  groups: GroupData | null = null;
  ready = false;
  finished = false;
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    readonly index: number,
    data: SegmentWorkerData,
    onMessage: (w: SegmentWorker, msg: FromSegmentWorker) => void,
    onError: (w: SegmentWorker, e: Error) => void,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.worker = new Worker(new URL('./boot.mjs', import.meta.url), { workerData: data });
    this.worker.on('message', (msg: FromSegmentWorker) => onMessage(this, msg));
    this.worker.on('error', (e) => onError(this, e));
    this.worker.on('exit', () => this.finish());
  }

  send(msg: ToSegmentWorker): void {
    if (!this.finished) this.worker.postMessage(msg);
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveDone();
  }
}

/** Runs the scenarios on `input.workers` worker threads; resolves once every worker ended. */
export async function runOnWorkers(input: WorkersInput): Promise<ScenarioStageResult> {
  const { run, opts, scenarios, thresholds, stop, err, path, runOptions, workers: count } = input;
  const result: ScenarioStageResult = { testRunDurationMs: 0, allVus: [run.setupVu], exitForScriptError: null };
  run.phase = 'run';
  const merger = new Map<number, SampleMerger>();
  const options = workerOptions(run, runOptions);

  /** The instance's figures are the sums of the workers'. */
  const sumCounters = (): void => {
    const c = { iterationsCompleted: 0, iterationsInterrupted: 0, vusActive: 0, vusInitialized: 0, iterationErrors: 0 };
    let failed = false;
    for (const w of all) {
      c.iterationsCompleted += w.counters.iterationsCompleted;
      c.iterationsInterrupted += w.counters.iterationsInterrupted;
      c.vusActive += w.counters.vusActive;
      c.vusInitialized += w.counters.vusInitialized;
      c.iterationErrors += w.counters.iterationErrors;
      failed ||= w.counters.failedByScript;
    }
    const vusChanged = c.vusActive !== run.vusActive || c.vusInitialized !== run.vusInitialized;
    Object.assign(run, c);
    if (failed) run.failedByScript = true;
    if (vusChanged && run.startedAt !== 0) sampleVusOf(run);
  };

  let startAll: () => void = () => {};
  const allReady = new Promise<void>((resolve) => (startAll = resolve));
  const checkReady = () => {
    if (all.every((w) => w.ready || w.finished)) startAll();
  };

  const onMessage = (w: SegmentWorker, msg: FromSegmentWorker): void => {
    switch (msg.t) {
      case 'ready':
        w.ready = true;
        checkReady();
        break;
      case 'samples':
        if (msg.batch !== null) merger.get(w.index)!.apply(msg.batch);
        if (msg.groups !== undefined) w.groups = msg.groups;
        w.counters = msg.counters;
        sumCounters();
        break;
      case 'log':
        err(msg.text);
        break;
      case 'abort':
        run.abort(msg.reason, msg.exitCode);
        break;
      case 'failed':
        result.exitForScriptError ??= msg.exitCode;
        run.abort('a worker failed', msg.exitCode);
        w.finish();
        checkReady();
        break;
      case 'done':
        if (msg.exitForScriptError !== null) result.exitForScriptError ??= msg.exitForScriptError;
        w.finish();
        checkReady();
        break;
    }
  };
  const onError = (w: SegmentWorker, e: Error): void => {
    err(`worker ${w.index + 1} failed: ${errorText(e)}\n`);
    result.exitForScriptError ??= EXIT.scriptError;
    run.abort('a worker failed', EXIT.scriptError);
    w.finish();
    checkReady();
  };

  const all: SegmentWorker[] = [];
  for (let i = 0; i < count; i++) {
    merger.set(i, new SampleMerger(run.registry));
    all.push(new SegmentWorker(i, { path, options, index: i, count, setupJson: input.setupJson }, onMessage, onError));
  }

  // Stops go to every worker; one still running past the deadline is terminated.
  let deadline: NodeJS.Timeout | null = null;
  const terminateLate = (afterMs: number) => {
    if (deadline !== null) clearTimeout(deadline);
    deadline = setTimeout(() => {
      for (const w of all) {
        if (w.finished) continue;
        err(`worker ${w.index + 1} did not end in time: terminated (its last samples may be missing)\n`);
        void w.worker.terminate();
      }
    }, afterMs);
  };
  run.onStop = (reason) => {
    const exitCode = run.aborted?.exitCode ?? EXIT.externalAbort;
    for (const w of all) w.send({ t: 'stop', reason, exitCode, graceMs: stop.graceMs });
    startAll();
    terminateLate(stop.graceMs + Math.max(0, ...scenarios.map((s) => s.gracefulStopMs)) + WORKER_GRACE_MS);
  };
  if (run.aborted !== null) run.onStop(run.aborted.reason);

  await allReady;
  run.startedAt = performance.now();
  run.startedAtMs = Date.now();
  for (const w of all) w.send({ t: 'start' });
  const stopTimers = run.aborted === null ? startRunTimers(run, opts, thresholds, err) : () => sampleVusOf(run);
  if (run.aborted === null) terminateLate(Math.max(...scenarios.map(maxScenarioMs)) + WORKER_GRACE_MS);
  await Promise.all(all.map((w) => w.done));
  if (deadline !== null) clearTimeout(deadline);
  // 'done' is a worker's last message; timers of interrupted iterations must not keep it alive.
  await Promise.all(all.map((w) => w.worker.terminate()));
  sumCounters();
  // The check counts of the summary's root_group: every worker's tree, merged once.
  for (const w of all) if (w.groups !== null) run.groups.merge(w.groups);
  stopTimers();
  result.testRunDurationMs = run.elapsedMs();
  return result;
}
