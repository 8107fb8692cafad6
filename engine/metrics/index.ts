// Metrics, thresholds and end-of-test output of the embedded engine.
export { Metric, Submetric, METRIC_TYPES, type MetricType, type ValueType } from './metric.ts';
export { CounterSink, GaugeSink, RateSink, TrendSink, type AnyTrendSink, type Sink } from './sinks.ts';
export { ExactTrendSink } from './exact-trend-sink.ts';
export { parseMetricSelector, parseSubmetricTags } from './selector.ts';
export { MetricRegistry, BUILTIN_METRICS, DEFAULT_SUBMETRIC, createSink, type SampleListener } from './registry.ts';
export { GroupTree, Group, Check, GROUP_SEPARATOR, type GroupData, type CheckData } from './groups.ts';
export { parseThresholdExpression, aggregationKey, type ThresholdExpression } from './thresholds-parser.ts';
export { Threshold } from './threshold.ts';
export { parseThresholds, Thresholds, ThresholdSet, type Evaluation, type ThresholdResult, type ThresholdInput } from './thresholds.ts';
export { DEFAULT_SUMMARY_TREND_STATS, validateTrendStats } from './trend-stats.ts';
export { buildSummaryData, metricValues, type SummaryData, type SummaryMetric, type SummaryOptions } from './summary.ts';
export { toLegacySummaryExport, formatLegacySummaryExport, type LegacySummaryExport } from './legacy-export.ts';
export { renderTextSummary, humanizeDuration, type TextSummaryOptions } from './text-summary.ts';
export { NdjsonOutput, TimeFormatter, type NdjsonOptions, type NdjsonStats } from './ndjson.ts';
export { CsvOutput } from './csv.ts';
