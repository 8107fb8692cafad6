import { describe, expect, it } from 'vitest';
import { ExactTrendSink } from './exact-trend-sink.ts';
import { MetricRegistry } from './registry.ts';
import { trendValues } from './trend-stats.ts';

/** k6's TrendSink.P over a sorted copy (metrics/sink.go). */
function k6Percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 1) return sorted[0];
  const i = fraction * (sorted.length - 1);
  return sorted[Math.floor(i)] + (sorted[Math.ceil(i)] - sorted[Math.floor(i)]) * (i - Math.floor(i));
}

describe('ExactTrendSink', () => {
  it('gives k6 percentiles of every sample, exactly, across growth and out-of-order samples', () => {
    const sink = new ExactTrendSink();
    const values: number[] = [];
    let x = 7;
    for (let i = 0; i < 5000; i++) {
      x = (x * 48271) % 2147483647;
      const v = (x % 100000) / 997 - 3; // a few negatives, many ties
      values.push(v);
      sink.add(v);
    }
    for (const f of [0, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) expect(sink.p(f)).toBe(k6Percentile(values, f));
    expect(sink.min).toBe(Math.min(...values));
    expect(sink.max).toBe(Math.max(...values));
    expect(sink.count).toBe(5000);
    sink.add(1e9); // adding after a read re-sorts
    expect(sink.p(1)).toBe(1e9);
  });

  it('reads as a Trend in the summary: 0 when empty, the value itself for one sample', () => {
    const sink = new ExactTrendSink();
    expect(trendValues(sink, ['avg', 'med', 'p(99)', 'count'])).toEqual({ avg: 0, med: 0, 'p(99)': 0, count: 0 });
    sink.add(42.5);
    expect(trendValues(sink, ['avg', 'min', 'med', 'max', 'p(99)'])).toEqual({ avg: 42.5, min: 42.5, med: 42.5, max: 42.5, 'p(99)': 42.5 });
  });

  it('is what a registry with exactTrends gives every Trend and Trend submetric', () => {
    const registry = new MetricRegistry({ exactTrends: true });
    expect(registry.get('http_req_duration')!.sink).toBeInstanceOf(ExactTrendSink);
    expect(registry.addSubmetric('http_req_duration{status:200}').sink).toBeInstanceOf(ExactTrendSink);
    expect(new MetricRegistry().get('http_req_duration')!.sink).not.toBeInstanceOf(ExactTrendSink);
  });
});
