// Messages between the main thread and the segment workers of `engine run --workers N`.
import type { GroupData, MetricType, ValueType } from '../metrics/index.ts';
import type { RunOptions } from '../run.ts';

/** What a worker is started with. */
export interface SegmentWorkerData {
  path: string;
  /** The run options that matter in a worker (plain data: no functions, no signal). */
  options: WorkerRunOptions;
  /** This worker's place: segment `index` of 0,1/count,...,1 inside the instance's share. */
  index: number;
  count: number;
  /** setup()'s data as JSON (undefined when there is no setup or it returned nothing). */
  setupJson: string | undefined;
}

export type WorkerRunOptions = Pick<
  RunOptions,
  | 'env'
  | 'noSystemEnv'
  | 'vus'
  | 'iterations'
  | 'durationMs'
  | 'stages'
  | 'tags'
  | 'summaryTrendStats'
  | 'noThresholds'
  | 'rps'
  | 'syncVus'
  | 'envOptions'
  | 'configOptions'
  | 'insecureSkipTLSVerify'
  | 'verbose'
  | 'httpDebug'
  | 'executionSegment'
  | 'executionSegmentSequence'
>;

/** A metric the main thread has not seen from this worker yet: [id, name, type, contains]. */
export type MetricDef = [number, string, MetricType, ValueType];

/** Samples in columns; tag sets and metrics interned per worker (new ones listed first). */
export interface SampleBatch {
  metrics: MetricDef[];
  /** New tag sets: [id, JSON of the tags object]. */
  tagSets: Array<[number, string]>;
  metric: Uint32Array;
  tags: Uint32Array;
  value: Float64Array;
  /** Epoch milliseconds (with microseconds), as the registry's listeners get them. */
  time: Float64Array;
}

/** The worker's live counters (k6/execution's instance figures, summed by the main thread). */
export interface WorkerCounters {
  iterationsCompleted: number;
  iterationsInterrupted: number;
  vusActive: number;
  vusInitialized: number;
  iterationErrors: number;
  failedByScript: boolean;
}

export type ToSegmentWorker =
  | { t: 'start' }
  | { t: 'stop'; reason: string; exitCode: number; graceMs: number };

export type FromSegmentWorker =
  /** VUs initialised: waiting for the common start. */
  | { t: 'ready' }
  /** The init stage failed in the worker (the main thread's did not). */
  | { t: 'failed'; exitCode: number }
  | { t: 'samples'; batch: SampleBatch | null; counters: WorkerCounters; groups?: GroupData }
  | { t: 'log'; text: string }
  /** The script stopped the test (exec.test.abort(), a VU's init failure). */
  | { t: 'abort'; reason: string; exitCode: number }
  | { t: 'done'; exitForScriptError: number | null };
