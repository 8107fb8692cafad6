// A metric: name, k6 type and value kind, its sink, and the submetrics that filter it by tags.
import type { Sink } from './sinks.ts';
import type { Submetric } from './submetric.ts';
import type { ThresholdSet } from './thresholds.ts';

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
/** What the values mean: plain numbers, milliseconds or bytes (k6's "contains"). */
export type ValueType = 'default' | 'time' | 'data';

export const METRIC_TYPES: readonly MetricType[] = ['counter', 'gauge', 'rate', 'trend'];

export class Metric {
  /** True once a sample arrived or a threshold refers to it: only observed metrics reach the summary. */
  observed = false;
  /** Submetrics filtering this metric's samples (empty for most metrics, checked on every add). */
  readonly submetrics: Submetric[] = [];
  /** Set on a submetric's own Metric: the definition it was created from. */
  sub: Submetric | null = null;
  /** Thresholds attached by Thresholds.attach(). */
  thresholds: ThresholdSet | null = null;

  constructor(
    readonly name: string,
    readonly type: MetricType,
    readonly contains: ValueType,
    readonly sink: Sink,
  ) {}
}
