// The scenarios stage of a run: VUs, the executors on one event loop, and the timers that
// watch the run (VU samples, progress lines, abortOnFail thresholds). The whole run uses it in
// one process; with --workers each worker thread runs it for its part (engine/workers/).
import { performance } from 'node:perf_hooks';
import { forVu } from './coroutines.ts';
import { createExecutor, type ExecutorContext } from './executors.ts';
import { EXIT } from './exit-codes.ts';
import { errorText } from './error-text.ts';
import { InterruptedError } from './http-errors.ts';
import type { NdjsonOutput, Thresholds } from './metrics/index.ts';
import { TestAbortError, type TestRun } from './runtime.ts';
import { ScenarioRun } from './scenario-run.ts';
import { hasWork, iterationIndex, localScenario } from './scenario-share.ts';
import { initialVus, maxScenarioMs, type ScenarioConfig } from './scenario.ts';
import { initEventLoopVu, type LoadedScript, type VuKind } from './script/load.ts';
import type { Share } from './segments.ts';
import type { WorkerPool, WorkerVu } from './sync/host.ts';
import { Vu, vuStorage } from './vu.ts';
import { timerAt, type TimerAt } from './timer-at.ts';
import { Watchdog } from './watchdog.ts';

const THRESHOLD_EVAL_MS = 2_000;

export interface ProgressLine {
  elapsed_ms: number;
  requests: number;
  /** Failed requests: the script's llm_errors count when it keeps one, else http_req_failed's. */
  failed: number;
  iterations: number;
  vus: number;
  dropped: number;
}

/** What the timers of a run read from the run options. */
export interface TimerOptions {
  quiet?: boolean;
  progress?: (line: ProgressLine) => void;
}

/** How a stop (abort, Ctrl-C) ends the run: requests in flight get `graceMs` before interrupts. */
export interface StopGrace {
  graceMs: number;
}

export interface ScenarioStageInput {
  run: TestRun;
  opts: TimerOptions;
  loaded: LoadedScript;
  scenarios: ScenarioConfig[];
  /** The part of each scenario to run (Share.FULL: all of it). */
  share: Share;
  kind: VuKind;
  pool: WorkerPool | null;
  setupJson: string | undefined;
  thresholds: Thresholds;
  stop: StopGrace;
  /** Waited for at the end of iterations when the disk falls behind. */
  ndjson: NdjsonOutput | null;
  err: (text: string) => void;
  /** Awaited once the VUs are ready, just before the start (a worker waits for the common start). */
  beforeStart?: () => Promise<void>;
  /**
   * Runs inside a segment worker: no VU samples, progress or thresholds timers (the main thread
   * keeps them) and no watchdog (the main thread terminates a worker stuck past the deadline).
   */
  inSegmentWorker?: boolean;
}

export interface ScenarioStageResult {
  testRunDurationMs: number;
  /** Every VU used (their connections are closed after teardown). */
  allVus: Vu[];
  /** Set when a VU's init code failed. */
  exitForScriptError: number | null;
}

/** The VUs a scenario starts with (k6 initialises them before the start). */
export function preStartedVus(s: ScenarioConfig): number {
  return s.executor.endsWith('arrival-rate') ? (s as { preAllocatedVUs: number }).preAllocatedVUs : initialVus(s);
}

/** Records the vus and vus_max gauges. */
export function sampleVusOf(run: TestRun): void {
  run.registry.addTo(run.m.vus, run.vusActive, run.globalTags);
  if (run.vusInitialized > 0) run.registry.addTo(run.m.vus_max, run.vusInitialized, run.globalTags);
}

/** One progress line from the run's metrics and counters. */
export function progressLine(run: TestRun): ProgressLine {
  const m = run.m;
  return {
    elapsed_ms: Math.round(run.elapsedMs()),
    requests: (m.http_reqs.sink as { count: number }).count,
    // A script that counts its own failures (llm_errors: bad bodies and broken streams too)
    // is shown with that count, so the live error count is the one its result reports.
    failed: (run.registry.get('llm_errors')?.sink as { count?: number } | undefined)?.count ?? (m.http_req_failed.sink as { passes: number }).passes,
    iterations: run.iterationsCompleted,
    vus: run.vusActive,
    dropped: (m.dropped_iterations.sink as { count: number }).count,
  };
}

/**
 * The timers of a running test: vus samples every second, progress lines (or the TTY status
 * line), abortOnFail thresholds every 2 s. Returns the function that stops them and writes the
 * closing status and progress line.
 */
export function startRunTimers(run: TestRun, opts: TimerOptions, thresholds: Thresholds, err: (text: string) => void): () => void {
  const timers: NodeJS.Timeout[] = [];
  const progress = () => opts.progress?.(progressLine(run));
  timers.push(setInterval(() => sampleVusOf(run), 1000));
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
  return () => {
    for (const t of timers) clearInterval(t);
    if (!opts.progress && !opts.quiet && process.stderr.isTTY) err(`\rrunning (${(run.elapsedMs() / 1000).toFixed(1)}s), ${run.iterationsCompleted} complete and ${run.iterationsInterrupted} interrupted iterations\n`);
    progress();
  };
}

/** Runs the scenarios (this part of them) until they end or the run stops. */
export async function runScenarios(input: ScenarioStageInput): Promise<ScenarioStageResult> {
  const { run, opts, loaded, scenarios, share, kind, pool, setupJson, thresholds, stop, ndjson, err } = input;
  const result: ScenarioStageResult = { testRunDurationMs: 0, allVus: [], exitForScriptError: null };
  run.phase = 'run';
  const allVus: Vu[] = result.allVus;
  allVus.push(run.setupVu);
  const freeVus: Vu[] = [];
  let stopping = false;
  let stopAt = 0;
  const waiters = new Set<{ at: number; timer: TimerAt; wake: (byStop: boolean) => void }>();
  const until = (at: number): Promise<boolean> =>
    new Promise<boolean>((resolveWait) => {
      const target = stopping ? Math.min(at, stopAt + stop.graceMs) : at;
      const delay = target - performance.now();
      if (delay <= 0) {
        resolveWait(stopping);
        return;
      }
      const w = {
        at,
        timer: timerAt(target, () => {
          waiters.delete(w);
          resolveWait(stopping);
        }),
        wake: (byStop: boolean) => resolveWait(byStop),
      };
      waiters.add(w);
    });
  run.onStop = () => {
    if (stopping) return;
    stopping = true;
    stopAt = performance.now();
    for (const w of [...waiters]) {
      w.timer.cancel();
      waiters.delete(w);
      const target = Math.min(w.at, stopAt + stop.graceMs);
      if (target <= performance.now()) w.wake(true);
      else timerAt(target, () => w.wake(true));
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
    if (run.noVUConnectionReuse && vu.connections !== null) {
      void vu.connections.destroy();
      vu.connections = null;
    }
    run.iterationsCompleted++;
    const tags = vu.userTagCount > 0 ? { ...scenario.tagsFor(''), ...vu.userTags } : scenario.tagsFor('');
    run.registry.addTo(run.m.iteration_duration, performance.now() - start, tags);
    run.registry.addTo(run.m.iterations, 1, tags);
    // options.minIterationDuration: the VU waits out the rest after the iteration (k6 measures
    // iteration_duration before that wait).
    const minEnd = start + run.minIterationMs;
    if (run.minIterationMs > 0 && minEnd > performance.now()) return until(minEnd).then(afterIteration);
    return afterIteration();
  };
  const afterIteration = (): void | Promise<void> => {
    // A disk slower than the samples: hold this VU rather than drop NDJSON points.
    if (ndjson !== null && ndjson.backpressured) return ndjson.drain().then(pace);
    return pace();
  };

  const sampleVus = () => sampleVusOf(run);
  let initFailed = false;
  const failInit = (e: unknown): void => {
    if (initFailed) return;
    initFailed = true;
    err(`script error: a VU's init code failed: ${errorText(e)}\n`);
    result.exitForScriptError = EXIT.scriptError;
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
        vu = new Vu(run.nextVuId(), scenario.env);
        allVus.push(vu);
      }
      prepareVu(vu);
      vu.scenario = scenario;
      vu.env = scenario.env;
      const fn = vu.exports?.[scenario.config.exec] as ((data: unknown) => unknown) | undefined;
      if (fn !== undefined) vu.fn = forVu(fn, vu);
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
      // Seen at the next one-second sample, as k6 samples vus only on its ticker: a run's last
      // sample shows the VUs that ran, not the 0 of their release.
      run.vusActive--;
      if (!vu.interrupted) freeVus.push(vu);
    },
    // Not an async function: one `.then` per iteration instead of an async function's promise plus
    // an await (each promise also pays AsyncLocalStorage's hooks).
    iterate: (vu) => {
      vu.busy = true;
      vu.iteration++;
      vu.iterationInScenario++;
      vu.iterationInScenarioInstance = scenario.iterations++;
      vu.iterationInScenarioTest = scenario.iterationIndex(vu.iterationInScenarioInstance);
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
      vu.wake?.();
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
    if (hasWork(config, share)) sr.iterationIndex = iterationIndex(config, share);
    run.scenarios.set(config.name, sr);
    return { config, run: sr };
  });

  if (pool !== null && run.aborted === null) {
    // k6 initialises the VUs before the start: every VU the scenarios begin with, one thread each.
    const count = scenarios.reduce((sum, s) => sum + preStartedVus(localScenario(s, share)), 0);
    const vus: Vu[] = [];
    for (let i = 0; i < count; i++) vus.push(new Vu(run.nextVuId(), run.env));
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
  if (run.aborted === null) await input.beforeStart?.();
  // Event-loop VUs stuck in a synchronous loop: see engine/watchdog.ts.
  const watchdog = kind === 'event-loop' && run.aborted === null && !input.inSegmentWorker ? new Watchdog(Date.now() + Math.max(...scenarios.map(maxScenarioMs)) + 5_000) : null;
  run.startedAt = performance.now();
  run.startedAtMs = Date.now();
  const stopTimers = input.inSegmentWorker
    ? () => {}
    : run.aborted === null
      ? startRunTimers(run, opts, thresholds, err)
      : () => {
          sampleVusOf(run);
          opts.progress?.(progressLine(run));
        };
  if (run.aborted === null) {
    await Promise.all(
      scenarioRuns.map(async ({ config, run: sr }) => {
        const startAt = run.startedAt + config.startTimeMs;
        if (config.startTimeMs > 0) {
          if (await until(startAt)) return;
          // Let a scenario ending at this same instant hand its VUs back first.
          await new Promise<void>((r) => setImmediate(r));
        }
        // A scenario this part has no share of does not run here (k6's HasWork).
        if (stopping || !hasWork(config, share)) return;
        sr.startedAt = performance.now();
        sr.startedAtMs = Date.now();
        await createExecutor(config, share)(contextFor(sr, startAt));
      }),
    );
  }
  stopTimers();
  watchdog?.stop();
  // Deadlines nobody waits for any more (maxDuration, gracefulRampDown, ...) must not keep the process up.
  for (const w of waiters) w.timer.cancel();
  waiters.clear();
  result.testRunDurationMs = run.elapsedMs();
  return result;
}
