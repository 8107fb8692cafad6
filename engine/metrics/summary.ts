// The data object k6 passes to handleSummary(data) (internal/js/summary.go): root_group, options,
// state, metrics (observed metrics and submetrics only) and setup_data when setup() returned one.
import type { GroupData, GroupTree } from './groups.ts';
import type { Metric, MetricType, ValueType } from './metric.ts';
import type { MetricRegistry } from './registry.ts';
import type { Thresholds } from './thresholds.ts';
import { DEFAULT_SUMMARY_TREND_STATS, trendValues } from './trend-stats.ts';

export interface SummaryMetric {
  type: MetricType;
  contains: ValueType;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryData {
  root_group: GroupData;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, SummaryMetric>;
  setup_data?: unknown;
}

export interface SummaryOptions {
  /** Attached to the registry if not yet; their last evaluation gives each `ok`. */
  thresholds?: Thresholds | null;
  groups?: GroupTree | null;
  summaryTrendStats?: readonly string[];
  /** "" (automatic), "s", "ms" or "us", as options.summaryTimeUnit. */
  summaryTimeUnit?: string;
  noColor?: boolean;
  testRunDurationMs: number;
  isStdOutTTY?: boolean;
  isStdErrTTY?: boolean;
  /** What setup() returned (already JSON-safe); absent when there is no setup(). */
  setupData?: unknown;
}

/** The `values` object of one metric. */
export function metricValues(metric: Metric, durationMs: number, trendStats: readonly string[]): Record<string, number> {
  const sink = metric.sink;
  switch (sink.type) {
    case 'counter':
      return { count: sink.count, rate: sink.rate(durationMs) };
    case 'gauge':
      return { value: sink.value, min: sink.min, max: sink.max };
    case 'rate':
      return { rate: sink.rate, passes: sink.passes, fails: sink.fails };
    case 'trend':
      return trendValues(sink, trendStats);
  }
}

export function buildSummaryData(registry: MetricRegistry, opts: SummaryOptions): SummaryData {
  const trendStats = [...(opts.summaryTrendStats ?? DEFAULT_SUMMARY_TREND_STATS)];
  opts.thresholds?.attach(registry);
  const metrics: Record<string, SummaryMetric> = {};
  for (const metric of registry.all()) {
    if (!metric.observed) continue;
    const entry: SummaryMetric = {
      type: metric.type,
      contains: metric.contains,
      values: metricValues(metric, opts.testRunDurationMs, trendStats),
    };
    if (metric.thresholds !== null && metric.thresholds.length > 0) {
      entry.thresholds = {};
      for (const t of metric.thresholds) entry.thresholds[t.source] = { ok: !t.lastFailed };
    }
    metrics[metric.name] = entry;
  }
  const data: SummaryData = {
    root_group: opts.groups ? opts.groups.toJSON() : { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [], checks: [] },
    options: { summaryTrendStats: trendStats, summaryTimeUnit: opts.summaryTimeUnit ?? '', noColor: opts.noColor ?? false },
    state: {
      isStdOutTTY: opts.isStdOutTTY ?? false,
      isStdErrTTY: opts.isStdErrTTY ?? false,
      testRunDurationMs: opts.testRunDurationMs,
    },
    metrics,
  };
  if (opts.setupData !== undefined) data.setup_data = opts.setupData;
  return data;
}
