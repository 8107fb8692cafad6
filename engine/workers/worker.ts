// A segment worker of `engine run --workers N`: loads the script in its own thread, runs its
// part of the scenarios (segment `index` of 0,1/N,...,1 inside the instance's share) and streams
// its samples, logs and counters to the main thread, which runs setup, teardown, thresholds and
// the summary once for all workers.
import { parentPort, workerData } from 'node:worker_threads';
import { GroupTree, MetricRegistry } from '../metrics/index.ts';
import { resetSharedArrays } from '../modules/data.ts';
import { closeAll, prepareRun } from '../run.ts';
import { rpsLimitOf } from '../rps-limit.ts';
import { setCurrentRun, TestRun } from '../runtime.ts';
import { runScenarios, type StopGrace } from '../scenario-stage.ts';
import { captureScriptOutput } from '../script-console.ts';
import { WorkerPool } from '../sync/host.ts';
import type { FromSegmentWorker, SegmentWorkerData, ToSegmentWorker, WorkerCounters } from './protocol.ts';
import { SampleBatcher, transferables } from './sample-stream.ts';

/** How often samples go to the main thread. */
const FLUSH_MS = 100;
/** A batch this large goes at once, not at the next tick. */
const FLUSH_SAMPLES = 8192;

const port = parentPort!;
const data = workerData as SegmentWorkerData;
const post = (msg: FromSegmentWorker): void => port.postMessage(msg);
const log = (text: string): void => post({ t: 'log', text });

async function main(): Promise<void> {
  const env = data.options.env ?? {};
  const run = new TestRun(new MetricRegistry(), new GroupTree(), env, {}, data.path, {});
  setCurrentRun(run);
  run.httpDebug = data.options.httpDebug ?? null;
  // VU ids interleave across the workers, so __VU stays unique in the whole instance.
  run.vuIdOf = (n) => (n - 1) * data.count + data.index + 1;
  captureScriptOutput(log, () => run.elapsedMs(), { verbose: data.options.verbose === true });

  const batcher = new SampleBatcher();
  let groupsChanged = false;
  const { vus, vus_max, checks, group_duration } = run.m;
  run.registry.onSample((metric, value, tags, time) => {
    // The main thread samples vus and vus_max from the sum of the workers' counts.
    if (metric === vus || metric === vus_max) return;
    if (metric === checks || metric === group_duration) groupsChanged = true;
    batcher.add(metric, value, tags, time);
    if (batcher.size >= FLUSH_SAMPLES) flush();
  });
  const counters = (): WorkerCounters => ({
    iterationsCompleted: run.iterationsCompleted,
    iterationsInterrupted: run.iterationsInterrupted,
    vusActive: run.vusActive,
    vusInitialized: run.vusInitialized,
    iterationErrors: run.iterationErrors,
    failedByScript: run.failedByScript,
  });
  const flush = (): void => {
    const batch = batcher.take();
    const groups = groupsChanged ? run.groups.toJSON() : undefined;
    groupsChanged = false;
    port.postMessage({ t: 'samples', batch, counters: counters(), groups } satisfies FromSegmentWorker, batch === null ? [] : transferables(batch));
  };

  resetSharedArrays();
  const prepared = await prepareRun(run, data.path, { ...data.options, noSystemEnv: true }, log, () => {});
  if (typeof prepared === 'number') {
    post({ t: 'failed', exitCode: prepared });
    return;
  }
  const stop: StopGrace = { graceMs: 0 };
  let stoppedByMain = false;
  let start!: () => void;
  const started = new Promise<void>((resolve) => (start = resolve));
  port.on('message', (msg: ToSegmentWorker) => {
    if (msg.t === 'start') start();
    else if (msg.t === 'stop') {
      stoppedByMain = true;
      stop.graceMs = msg.graceMs;
      run.abort(msg.reason, msg.exitCode);
      start();
    }
  });
  run.onAbort = (reason, exitCode) => {
    if (!stoppedByMain) post({ t: 'abort', reason, exitCode });
  };

  let pool: WorkerPool | null = null;
  if (prepared.kind === 'worker') {
    pool = new WorkerPool(run, prepared.loaded.bundle.code, data.path, () => data.setupJson);
    await pool.load();
  }
  const share = prepared.share.subdivide(data.index, data.count);
  // options.rps is the instance's (k6 does not scale it by --execution-segment); its workers split it.
  run.rpsLimit = rpsLimitOf(prepared.options.rps, share.fraction / prepared.share.fraction);
  const timer = setInterval(flush, FLUSH_MS);
  const result = await runScenarios({
    run,
    opts: { quiet: true },
    loaded: prepared.loaded,
    scenarios: prepared.scenarios,
    share,
    kind: prepared.kind,
    pool,
    setupJson: data.setupJson,
    thresholds: prepared.thresholds,
    stop,
    ndjson: null,
    err: log,
    beforeStart: () => {
      post({ t: 'ready' });
      return started;
    },
    inSegmentWorker: true,
  });
  clearInterval(timer);
  await closeAll(result.allVus);
  await pool?.closeAll();
  groupsChanged = true;
  flush();
  post({ t: 'done', exitForScriptError: result.exitForScriptError });
}

main().catch((e: unknown) => {
  log(`worker ${data.index + 1}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  post({ t: 'failed', exitCode: 107 });
});
