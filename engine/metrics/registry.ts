// The metric registry: k6's built-in metrics, custom metrics from k6/metrics, submetrics, and the
// hot path every sample goes through.
import { performance } from 'node:perf_hooks';
import { Metric, Submetric, type MetricType, type ValueType } from './metric.ts';
import { ExactTrendSink } from './exact-trend-sink.ts';
import { CounterSink, GaugeSink, RateSink, TrendSink, type Sink } from './sinks.ts';
import { parseMetricSelector, parseSubmetricTags } from './selector.ts';

export type SampleListener = (metric: Metric, value: number, tags: Readonly<Record<string, string>>, timeMs: number) => void;

/** k6's built-in metrics (metrics/builtin.go), minus WebSocket and gRPC ones. */
export const BUILTIN_METRICS: ReadonlyArray<readonly [string, MetricType, ValueType]> = [
  ['vus', 'gauge', 'default'],
  ['vus_max', 'gauge', 'default'],
  ['iterations', 'counter', 'default'],
  ['iteration_duration', 'trend', 'time'],
  ['dropped_iterations', 'counter', 'default'],
  ['checks', 'rate', 'default'],
  ['group_duration', 'trend', 'time'],
  ['http_reqs', 'counter', 'default'],
  ['http_req_failed', 'rate', 'default'],
  ['http_req_duration', 'trend', 'time'],
  ['http_req_blocked', 'trend', 'time'],
  ['http_req_connecting', 'trend', 'time'],
  ['http_req_tls_handshaking', 'trend', 'time'],
  ['http_req_sending', 'trend', 'time'],
  ['http_req_waiting', 'trend', 'time'],
  ['http_req_receiving', 'trend', 'time'],
  ['data_sent', 'counter', 'data'],
  ['data_received', 'counter', 'data'],
];

/** Submetric k6 always creates (the `expected_response` system tag is on by default). */
export const DEFAULT_SUBMETRIC = 'http_req_duration{expected_response:true}';

const NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;

export class MetricRegistry {
  private readonly metrics = new Map<string, Metric>();
  private listeners: SampleListener[] = [];
  /** Samples ignored because their value was not a finite number. */
  invalidSamples = 0;

  /** exactTrends: Trends keep every sample (exact percentiles, memory grows with samples). */
  constructor(private readonly opts: { exactTrends?: boolean } = {}) {
    for (const [name, type, contains] of BUILTIN_METRICS) this.define(name, type, contains);
    this.addSubmetric(DEFAULT_SUBMETRIC);
  }

  /**
   * Defines a metric, or returns the existing one of the same type. `valueType` is k6's
   * `isTime` flag (true = 'time') or an explicit value type. Throws on a bad name or a clash.
   */
  define(name: string, type: MetricType, valueType: boolean | ValueType = false): Metric {
    const contains: ValueType = valueType === true ? 'time' : valueType === false ? 'default' : valueType;
    const old = this.metrics.get(name);
    if (old !== undefined && old.sub === null) {
      if (old.type !== type) {
        throw new Error(`metric '${name}' already exists but with type ${old.type}, instead of ${type}`);
      }
      if (old.contains !== contains) {
        throw new Error(`metric '${name}' already exists but with a value type ${old.contains}, instead of ${contains}`);
      }
      return old;
    }
    if (!NAME_RE.test(name)) {
      throw new Error(
        `Invalid metric name: '${name}'. Metric names must only include up to 128 ASCII letters, numbers, ` +
          'or underscores and start with a letter or an underscore.',
      );
    }
    const metric = new Metric(name, type, contains, createSink(type, this.opts.exactTrends));
    this.metrics.set(name, metric);
    return metric;
  }

  /** A metric or submetric by its full name (`http_req_duration{expected_response:true}`). */
  get(name: string): Metric | undefined {
    return this.metrics.get(name);
  }

  /** All metrics and submetrics, in definition order. */
  all(): Metric[] {
    return [...this.metrics.values()];
  }

  /**
   * Creates (or finds) the submetric for a selector such as `http_req_duration{plateau:100}`
   * and returns its Metric. The parent must exist. Only samples added afterwards count.
   */
  addSubmetric(selector: string): Metric {
    const { name, suffix } = parseMetricSelector(selector);
    const parent = this.metrics.get(name);
    if (parent === undefined || parent.sub !== null) throw new Error(`metric '${name}' does not exist in the script`);
    if (suffix === null) return parent;
    if (suffix === '') throw new Error(`submetric criteria for metric '${name}' cannot be empty`);
    const tags = parseSubmetricTags(suffix);
    const existing = parent.submetrics.find((s) => s.sameTags(tags));
    if (existing !== undefined) return existing.metric;
    const metric = new Metric(`${name}{${suffix}}`, parent.type, parent.contains, createSink(parent.type, this.opts.exactTrends));
    const sub = new Submetric(parent, suffix, tags, metric);
    metric.sub = sub;
    parent.submetrics.push(sub);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** Adds a listener called with every sample of a top-level metric (not submetric copies). */
  onSample(listener: SampleListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Records a sample by metric name. Throws for an unknown metric (a programming error). */
  add(name: string, value: number, tags: Readonly<Record<string, string>>, timeMs?: number): void {
    const metric = this.metrics.get(name);
    if (metric === undefined) throw new Error(`unknown metric '${name}'`);
    this.addTo(metric, value, tags, timeMs);
  }

  /** Records a sample on a Metric the caller already holds (skips the name lookup). */
  addTo(metric: Metric, value: number, tags: Readonly<Record<string, string>>, timeMs?: number): void {
    if (value - value !== 0) {
      // NaN or ±Infinity: k6 refuses them too; keep them out of every aggregate.
      this.invalidSamples++;
      return;
    }
    metric.sink.add(value);
    metric.observed = true;
    const subs = metric.submetrics;
    if (subs.length !== 0) {
      for (let i = 0; i < subs.length; i++) {
        const sub = subs[i];
        if (sub.matches(tags)) {
          sub.metric.sink.add(value);
          sub.metric.observed = true;
        }
      }
    }
    const listeners = this.listeners;
    if (listeners.length !== 0) {
      // Sub-millisecond wall time: NDJSON timestamps carry microseconds as k6's do.
      const t = timeMs ?? performance.timeOrigin + performance.now();
      for (let i = 0; i < listeners.length; i++) listeners[i](metric, value, tags, t);
    }
  }
}

export function createSink(type: MetricType, exactTrends = false): Sink {
  switch (type) {
    case 'counter':
      return new CounterSink();
    case 'gauge':
      return new GaugeSink();
    case 'rate':
      return new RateSink();
    case 'trend':
      return exactTrends ? new ExactTrendSink() : new TrendSink();
  }
}
