import { describe, expect, it } from 'vitest';
import { CounterSink, GaugeSink, RateSink, TrendSink } from './sinks.ts';

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** k6's percentile over sorted samples: linear interpolation between the nearest ranks. */
function exactPercentile(sorted: number[], fraction: number): number {
  const i = fraction * (sorted.length - 1);
  const lo = sorted[Math.floor(i)];
  const hi = sorted[Math.ceil(i)];
  return lo + (hi - lo) * (i - Math.floor(i));
}

describe('CounterSink', () => {
  it('sums values and divides by the run time for rate', () => {
    const s = new CounterSink();
    expect(s.isEmpty()).toBe(true);
    s.add(1);
    s.add(2.5);
    s.add(0);
    expect(s.count).toBe(3.5);
    expect(s.isEmpty()).toBe(false);
    expect(s.rate(2000)).toBe(1.75);
    expect(s.rate(0)).toBe(0);
  });
});

describe('GaugeSink', () => {
  it('keeps the last value and the extremes, negatives included', () => {
    const s = new GaugeSink();
    for (const v of [5, -3, 10, 7]) s.add(v);
    expect([s.value, s.min, s.max]).toEqual([7, -3, 10]);
  });
});

describe('RateSink', () => {
  it('counts non-zero values as passes', () => {
    const s = new RateSink();
    expect(s.rate).toBe(0);
    for (const v of [1, 0, 1, 1, 0.5, 0]) s.add(v);
    expect([s.passes, s.fails, s.total]).toEqual([4, 2, 6]);
    expect(s.rate).toBeCloseTo(4 / 6, 15);
  });
});

describe('TrendSink', () => {
  it('is all zeros when empty and exact for one sample', () => {
    const s = new TrendSink();
    expect([s.count, s.min, s.max, s.avg, s.med, s.p(0.95)]).toEqual([0, 0, 0, 0, 0, 0]);
    s.add(12.345678);
    expect([s.count, s.min, s.max, s.avg, s.med, s.p(0.9999)]).toEqual([1, 12.345678, 12.345678, 12.345678, 12.345678, 12.345678]);
  });

  it('keeps count, min, max, sum and avg exact', () => {
    const s = new TrendSink();
    const values = [3.25, 0.000158, 1269.039757, 40, 40, 7];
    for (const v of values) s.add(v);
    expect(s.count).toBe(6);
    expect(s.min).toBe(0.000158);
    expect(s.max).toBe(1269.039757);
    expect(s.sum).toBe(values.reduce((a, b) => a + b, 0));
    expect(s.avg).toBe(s.sum / 6);
    expect(s.p(0)).toBe(0.000158);
    expect(s.p(1)).toBe(1269.039757);
  });

  it('matches exact sorted percentiles within HDR precision on random latencies', () => {
    const next = rng(42);
    const s = new TrendSink();
    const values: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      // log-normal around 40 ms with a long tail, plus sub-ms values
      const u1 = next() || 1e-12;
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * next());
      const v = i % 10 === 0 ? next() * 0.01 : Math.exp(Math.log(40) + 0.6 * z);
      values.push(v);
      s.add(v);
    }
    values.sort((a, b) => a - b);
    for (const f of [0, 0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 0.9999, 1]) {
      const exact = exactPercentile(values, f);
      // 3 significant digits: a bucket spans at most 1/1024 of its value; reporting its middle
      // keeps the error within half of that.
      expect(Math.abs(s.p(f) - exact)).toBeLessThanOrEqual(exact / 2048 + 1e-6);
    }
    expect(s.percentiles([0.5, 0.95])).toEqual([s.med, s.p(0.95)]);
  });

  it('puts p(50) of 50 ms samples within 0.05 ms', () => {
    const next = rng(7);
    const s = new TrendSink();
    const values: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const v = 50 + (next() - 0.5) * 2; // 49..51 ms
      values.push(v);
      s.add(v);
    }
    values.sort((a, b) => a - b);
    expect(Math.abs(s.med - exactPercentile(values, 0.5))).toBeLessThan(0.05);
  });

  it('handles negative values', () => {
    const s = new TrendSink();
    const values = [-10, -5, -1, 0, 1, 5, 10, 20];
    for (const v of values) s.add(v);
    expect(s.min).toBe(-10);
    expect(s.max).toBe(20);
    expect(Math.abs(s.med - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(s.p(0.25) - exactPercentile(values, 0.25))).toBeLessThan(0.01);
  });

  it('ranks zeros (counted apart from the histogram) before positives, also across reads, and reads them as exactly 0', () => {
    const s = new TrendSink();
    for (let i = 0; i < 70; i++) s.add(0);
    for (let i = 1; i <= 30; i++) s.add(i);
    // Zeros sit in the histogram's first bucket and read exactly 0 (k6 prints 0s, not 0ns).
    expect(s.p(0.5)).toBe(0);
    expect(s.p(0.69)).toBe(0);
    expect(Math.abs(s.p(0.8) - 10.2)).toBeLessThan(0.01);
    for (let i = 0; i < 100; i++) s.add(0);
    expect(s.count).toBe(200);
    expect(s.p(0.8)).toBe(0);
    expect(Math.abs(s.p(0.95) - exactPercentile([...Array(170).fill(0), ...Array.from({ length: 30 }, (_, i) => i + 1)], 0.95))).toBeLessThan(0.01);
  });
});
