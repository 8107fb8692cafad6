// Thresholds from options.thresholds, attached to metrics and evaluated against their sinks the
// way k6 does (metrics/thresholds.go, metrics/engine/engine.go).
import { parseDurationMs } from '../../lib/duration.ts';
import type { Metric } from './metric.ts';
import type { MetricRegistry } from './registry.ts';
import type { Sink } from './sinks.ts';
import { parseMetricSelector } from './selector.ts';
import { Threshold } from './threshold.ts';
import {
  SUPPORTED_AGGREGATIONS,
  aggregationKey,
  compare,
  parseThresholdExpression,
  type ThresholdExpression,
} from './thresholds-parser.ts';

/** One threshold as written in the script: a string or k6's object form. */
export type ThresholdInput = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string | number };

export class ThresholdSet {
  /** Sticky: set once a failing abortOnFail threshold passed its delay. */
  abort = false;
  metric: Metric | null = null;

  constructor(
    /** The metric key as written in options.thresholds (may be a submetric selector). */
    readonly key: string,
    readonly thresholds: Threshold[],
  ) {}
}

export interface ThresholdResult {
  /** Metric name as it appears in the summary. */
  metric: string;
  threshold: string;
  ok: boolean;
  value: number;
}

export interface Evaluation {
  failed: boolean;
  abort: boolean;
  /** Names of metrics with at least one failing threshold, sorted. */
  breached: string[];
  results: ThresholdResult[];
}

const describe = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

function parseOne(key: string, raw: unknown): Threshold {
  const where = `invalid threshold on metric "${key}"`;
  let source: string;
  let abortOnFail = false;
  let delayText: string | null = null;
  let delayMs: number | null = null;
  if (typeof raw === 'string') {
    source = raw;
  } else if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const obj = raw as Record<string, unknown>;
    if (typeof obj.threshold !== 'string') throw new Error(`${where}: "threshold" must be a string, got ${describe(obj.threshold)}`);
    source = obj.threshold;
    if (obj.abortOnFail !== undefined && typeof obj.abortOnFail !== 'boolean') {
      throw new Error(`${where}: "abortOnFail" of "${source}" must be a boolean, got ${describe(obj.abortOnFail)}`);
    }
    abortOnFail = obj.abortOnFail === true;
    if (obj.delayAbortEval !== undefined && obj.delayAbortEval !== null) {
      const d = obj.delayAbortEval;
      // k6 reads a bare number as milliseconds.
      delayMs = typeof d === 'string' || typeof d === 'number' ? parseDurationMs(d, 'ms') : null;
      if (delayMs === null) throw new Error(`${where}: "delayAbortEval" of "${source}" must be a duration like "10s", got ${JSON.stringify(d)}`);
      delayText = String(d);
    }
  } else {
    throw new Error(`${where}: expected a string or {threshold, abortOnFail, delayAbortEval}, got ${describe(raw)}`);
  }
  try {
    return new Threshold(source, parseThresholdExpression(source), abortOnFail, delayMs, delayText);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

/** Parses options.thresholds; throws an Error naming the metric and the expression at fault. */
export function parseThresholds(raw: unknown): Thresholds {
  if (raw === undefined || raw === null) return new Thresholds([]);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`invalid options.thresholds: expected an object of metric name → array of thresholds, got ${describe(raw)}`);
  }
  const sets: ThresholdSet[] = [];
  for (const [key, list] of Object.entries(raw as Record<string, unknown>)) {
    try {
      parseMetricSelector(key);
    } catch (err) {
      throw new Error(`invalid threshold on metric "${key}": ${(err as Error).message}`);
    }
    if (!Array.isArray(list)) {
      throw new Error(`invalid threshold on metric "${key}": expected an array of threshold expressions, got ${describe(list)}`);
    }
    sets.push(new ThresholdSet(key, list.map((t) => parseOne(key, t))));
  }
  return new Thresholds(sets);
}

/** The value an aggregation reads from a sink, as k6's Thresholds.Run computes it. */
export function sinkValue(sink: Sink, expr: ThresholdExpression, elapsedMs: number): number {
  switch (sink.type) {
    case 'counter':
      return expr.aggregation === 'count' ? sink.count : sink.count / (elapsedMs / 1000);
    case 'gauge':
      return sink.value;
    case 'rate':
      // NaN when empty, so a Rate threshold with no samples fails as in k6.
      return sink.passes / sink.total;
    case 'trend':
      switch (expr.aggregation) {
        case 'min':
          return sink.min;
        case 'max':
          return sink.max;
        case 'avg':
          return sink.avg;
        case 'med':
          return sink.med;
        default:
          return sink.p((expr.percentile ?? 0) / 100);
      }
  }
}

export class Thresholds {
  private attachedTo: MetricRegistry | null = null;
  private attachedAt = 0;

  constructor(readonly sets: ThresholdSet[]) {}

  get size(): number {
    return this.sets.length;
  }

  /**
   * Binds each set to its metric (creating submetrics), checks the aggregations suit the metric
   * types and marks the metrics observed so they reach the summary. Call after the init stage
   * defined the custom metrics and before samples flow. Throws naming the metric and expression.
   */
  attach(registry: MetricRegistry): void {
    if (this.attachedTo === registry) return;
    for (const set of this.sets) {
      const { name } = parseMetricSelector(set.key);
      const parent = registry.get(name);
      if (parent === undefined || parent.sub !== null) {
        throw new Error(`invalid threshold defined on ${set.key}; reason: no metric name "${name}" found`);
      }
      for (const t of set.thresholds) {
        const supported: readonly string[] = SUPPORTED_AGGREGATIONS[parent.type];
        if (!supported.includes(t.expression.aggregation)) {
          throw new Error(
            `invalid threshold "${t.source}" applied on metric ${set.key}; reason: unsupported aggregation method ` +
              `${t.expression.aggregation} on metric of type ${parent.type}. supported aggregation methods for this metric are: ${supported.join(', ')}`,
          );
        }
      }
      const metric = registry.addSubmetric(set.key);
      if (metric.thresholds !== null && metric.thresholds !== set.thresholds) {
        // Two keys naming the same submetric (e.g. different spacing): keep every threshold.
        metric.thresholds.push(...set.thresholds);
      } else {
        metric.thresholds = set.thresholds;
      }
      set.metric = metric;
      metric.observed = true;
      if (metric.sub !== null) metric.sub.parent.observed = true;
    }
    this.attachedTo = registry;
    this.attachedAt = Date.now();
  }

  /**
   * Evaluates every threshold. `elapsedMs` is the test run time so far (Counter `rate` divides
   * by it; abortOnFail waits for delayAbortEval); it defaults to the time since attach().
   * While the test runs (final = false), metrics without samples are skipped, as k6 does.
   */
  evaluate(registry: MetricRegistry, elapsedMs?: number, opts: { final?: boolean } = {}): Evaluation {
    this.attach(registry);
    const elapsed = elapsedMs ?? Date.now() - this.attachedAt;
    const final = opts.final ?? true;
    const results: ThresholdResult[] = [];
    const breached = new Set<string>();
    let abort = false;
    for (const set of this.sets) {
      const metric = set.metric!;
      if (!final && metric.sink.isEmpty()) continue;
      for (const t of set.thresholds) {
        const value = sinkValue(metric.sink, t.expression, elapsed);
        const ok = compare(value, t.expression.operator, t.expression.value);
        t.lastFailed = !ok;
        t.lastValue = value;
        results.push({ metric: metric.name, threshold: t.source, ok, value });
        if (ok) continue;
        breached.add(metric.name);
        if (!set.abort && t.abortOnFail) set.abort = t.delayAbortEvalMs === null || t.delayAbortEvalMs < elapsed;
      }
      if (set.abort) abort = true;
    }
    return { failed: breached.size > 0, abort, breached: [...breached].sort(), results };
  }

  /** Thresholds of a metric in k6's NDJSON form: sources, or objects when abortOnFail is set. */
  forOutput(metricName: string): Array<string | { threshold: string; abortOnFail: boolean; delayAbortEval: string | null }> {
    const out: Array<string | { threshold: string; abortOnFail: boolean; delayAbortEval: string | null }> = [];
    for (const set of this.sets) {
      if ((set.metric?.name ?? set.key) !== metricName) continue;
      for (const t of set.thresholds) {
        out.push(t.abortOnFail ? { threshold: t.source, abortOnFail: true, delayAbortEval: t.delayAbortEvalText } : t.source);
      }
    }
    return out;
  }
}
