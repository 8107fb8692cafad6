// A metric: name, k6 type and value kind, its sink, and the submetrics that filter it by tags.
import type { Sink } from './sinks.ts';
import type { Threshold } from './threshold.ts';

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
  thresholds: Threshold[] | null = null;

  constructor(
    readonly name: string,
    readonly type: MetricType,
    readonly contains: ValueType,
    readonly sink: Sink,
  ) {}
}

/** A submetric: the samples of `parent` whose tags match a selector (k6: metrics/metric.go AddSubmetric). */
export class Submetric {
  /** `parent{suffix}`: the key of this submetric in the summary. */
  readonly name: string;
  private readonly keys: string[];
  private readonly values: string[];

  constructor(
    readonly parent: Metric,
    /** The selector text between the braces, trimmed. */
    readonly suffix: string,
    readonly tags: ReadonlyArray<[string, string]>,
    /** The Metric (with its own sink) that collects the matching samples. */
    readonly metric: Metric,
  ) {
    this.name = `${parent.name}{${suffix}}`;
    this.keys = tags.map(([k]) => k);
    this.values = tags.map(([, v]) => v);
  }

  /** True when `tags` has every selector key with the same value. */
  matches(tags: Readonly<Record<string, string>>): boolean {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (tags[keys[i]] !== this.values[i]) return false;
    }
    return true;
  }

  /** Same tag set as `pairs` (order-insensitive): k6 reuses the submetric then. */
  sameTags(pairs: ReadonlyArray<[string, string]>): boolean {
    if (pairs.length !== this.keys.length) return false;
    return pairs.every(([k, v], i) => this.keys[i] === k && this.values[i] === v);
  }

  /** The tags as an object, for k6's NDJSON Metric line. */
  tagObject(): Record<string, string> {
    return Object.fromEntries(this.tags);
  }
}
