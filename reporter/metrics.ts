// The metrics compare knows: how to read each from a result, its unit, and which way is better.
import type { Result } from './schema.ts';

export type Unit = 'ns' | 'rps' | 'ratio' | 'count' | 'bytes' | 'percent' | 'tps';
export type Direction = 'higher' | 'lower';

export interface MetricDef {
  key: string;
  label: string;
  unit: Unit;
  /** Which way is better. */
  better: Direction;
  group: 'latency' | 'throughput' | 'errors' | 'streaming' | 'resources' | 'overhead';
  read: (result: Result) => number | null;
}

const v = (value: number | null | undefined): number | null => (value === undefined || value === null ? null : value);

export const METRICS: MetricDef[] = [
  { key: 'latency_p50', label: 'latency p50', unit: 'ns', better: 'lower', group: 'latency', read: (r) => v(r.latency_p50) },
  { key: 'latency_p90', label: 'latency p90', unit: 'ns', better: 'lower', group: 'latency', read: (r) => v(r.latency_p90) },
  { key: 'latency_p95', label: 'latency p95', unit: 'ns', better: 'lower', group: 'latency', read: (r) => v(r.latency_p95) },
  { key: 'latency_p99', label: 'latency p99', unit: 'ns', better: 'lower', group: 'latency', read: (r) => v(r.latency_p99) },
  { key: 'latency_mean', label: 'latency mean', unit: 'ns', better: 'lower', group: 'latency', read: (r) => v(r.latency_mean) },
  { key: 'latency_max', label: 'latency max', unit: 'ns', better: 'lower', group: 'latency', read: (r) => v(r.latency_max) },
  { key: 'rps', label: 'requests/s', unit: 'rps', better: 'higher', group: 'throughput', read: (r) => v(r.rps) },
  // bench --sweep: the highest offered rate that met the SLO.
  { key: 'capacity', label: 'capacity within SLO', unit: 'rps', better: 'higher', group: 'throughput', read: (r) => v(r.capacity?.max_rps_within_slo) },
  // Open model only: iterations the arrival-rate executor had no free VU for.
  { key: 'dropped_iterations', label: 'dropped iterations', unit: 'count', better: 'lower', group: 'throughput',
    read: (r) => (r.load?.model === 'open' ? v(r.load.dropped_iterations) : null) },
  { key: 'error_rate', label: 'error rate', unit: 'ratio', better: 'lower', group: 'errors',
    read: (r) => v(r.error_rate) ?? (r.failed_requests !== null && r.total_requests > 0 ? r.failed_requests / r.total_requests : null) },
  { key: 'failed_requests', label: 'failed requests', unit: 'count', better: 'lower', group: 'errors', read: (r) => v(r.failed_requests) },
  { key: 'ttft_p50', label: 'TTFT p50', unit: 'ns', better: 'lower', group: 'streaming', read: (r) => v(r.streaming?.ttft_p50) },
  { key: 'ttft_p95', label: 'TTFT p95', unit: 'ns', better: 'lower', group: 'streaming', read: (r) => v(r.streaming?.ttft_p95) },
  { key: 'ttft_p99', label: 'TTFT p99', unit: 'ns', better: 'lower', group: 'streaming', read: (r) => v(r.streaming?.ttft_p99) },
  { key: 'itl_p50', label: 'ITL p50', unit: 'ns', better: 'lower', group: 'streaming', read: (r) => v(r.streaming?.itl_p50) },
  { key: 'itl_p99', label: 'ITL p99', unit: 'ns', better: 'lower', group: 'streaming', read: (r) => v(r.streaming?.itl_p99) },
  { key: 'tokens_per_second', label: 'tokens/s p50', unit: 'tps', better: 'higher', group: 'streaming', read: (r) => v(r.streaming?.tokens_per_second_p50) },
  { key: 'memory_peak', label: 'memory peak', unit: 'bytes', better: 'lower', group: 'resources', read: (r) => v(r.memory?.peak_rss_bytes) },
  { key: 'memory_avg', label: 'memory avg', unit: 'bytes', better: 'lower', group: 'resources', read: (r) => v(r.memory?.avg_rss_bytes) },
  { key: 'cpu_avg', label: 'CPU avg', unit: 'percent', better: 'lower', group: 'resources', read: (r) => v(r.cpu?.avg_percent) },
  { key: 'cpu_peak', label: 'CPU peak', unit: 'percent', better: 'lower', group: 'resources', read: (r) => v(r.cpu?.peak_percent) },
  { key: 'overhead_p50', label: 'overhead p50', unit: 'ns', better: 'lower', group: 'overhead', read: (r) => v(r.overhead?.latency_p50) },
  { key: 'overhead_p95', label: 'overhead p95', unit: 'ns', better: 'lower', group: 'overhead', read: (r) => v(r.overhead?.latency_p95) },
  { key: 'overhead_p99', label: 'overhead p99', unit: 'ns', better: 'lower', group: 'overhead', read: (r) => v(r.overhead?.latency_p99) },
  { key: 'overhead_ttft_p50', label: 'overhead TTFT p50', unit: 'ns', better: 'lower', group: 'overhead', read: (r) => v(r.overhead?.ttft_p50) },
];

export const METRIC_BY_KEY = new Map(METRICS.map((m) => [m.key, m]));

/** Short names accepted by --fail-on, beside every metric key. */
export const METRIC_ALIASES: Record<string, string> = {
  p50: 'latency_p50', p90: 'latency_p90', p95: 'latency_p95', p99: 'latency_p99', mean: 'latency_mean', max: 'latency_max',
  errors: 'error_rate', failed: 'failed_requests', tps: 'tokens_per_second', itl: 'itl_p50', ttft: 'ttft_p50',
  memory: 'memory_peak', mem: 'memory_peak', cpu: 'cpu_avg', overhead: 'overhead_p50',
};

export function metricByName(name: string): MetricDef | undefined {
  return METRIC_BY_KEY.get(METRIC_ALIASES[name] ?? name);
}

// ---- formatting ----------------------------------------------------------------------------

function trim(n: number, digits: number): string {
  return n.toFixed(digits);
}

/** Human text of a value in its unit; "—" for null. */
export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return '—';
  switch (unit) {
    case 'ns': {
      const ms = value / 1e6;
      const abs = Math.abs(ms);
      return abs >= 1000 ? `${trim(ms / 1000, 3)} s` : abs >= 1 || abs === 0 ? `${trim(ms, 2)} ms` : `${trim(value / 1e3, 1)} µs`;
    }
    case 'rps':
      return `${trim(value, 2)}/s`;
    case 'ratio':
      return `${trim(value * 100, 2)}%`;
    case 'count':
      return String(Math.round(value));
    case 'bytes':
      return `${trim(value / 1048576, 1)} MiB`;
    case 'percent':
      return `${trim(value, 1)}%`;
    case 'tps':
      return `${trim(value, 1)} tok/s`;
  }
}

/** Signed difference in the metric's unit (error rate in percentage points). */
export function formatDelta(delta: number | null, unit: Unit): string {
  if (delta === null) return '—';
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  const abs = Math.abs(delta);
  if (unit === 'ratio') return `${sign}${trim(abs * 100, 2)} pp`;
  return `${sign}${formatValue(abs, unit)}`;
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null) return '—';
  if (!Number.isFinite(ratio)) return '∞';
  return `${ratio.toFixed(3)}x`;
}
