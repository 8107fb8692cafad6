// One threshold as parsed from options.thresholds, with the outcome of its last evaluation.
import type { ThresholdExpression } from './thresholds-parser.ts';

export class Threshold {
  /** True when the last evaluation failed (k6's LastFailed). */
  lastFailed = false;
  /** The aggregated value the last evaluation compared; null before any. */
  lastValue: number | null = null;

  constructor(
    /** The expression exactly as written: the key in the summary. */
    readonly source: string,
    readonly expression: ThresholdExpression,
    readonly abortOnFail: boolean,
    /** Minimum test time before a failure may abort; null = abort at once. */
    readonly delayAbortEvalMs: number | null,
    /** The duration as written, for the NDJSON Metric line. */
    readonly delayAbortEvalText: string | null,
  ) {}
}
