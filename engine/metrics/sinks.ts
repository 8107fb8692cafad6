// Sinks aggregate a metric's samples the way k6's do (metrics/sink.go), except that Trend
// percentiles come from an HDR histogram instead of a sorted array of every sample.
import { Int32Histogram } from 'hdr-histogram-js';
import type { ExactTrendSink } from './exact-trend-sink.ts';

export class CounterSink {
  readonly type = 'counter' as const;
  count = 0;
  samples = 0;

  add(value: number): void {
    this.count += value;
    this.samples++;
  }

  isEmpty(): boolean {
    return this.samples === 0;
  }

  /** Per second over the test run; 0 before any time has passed. */
  rate(durationMs: number): number {
    return durationMs > 0 ? this.count / (durationMs / 1000) : 0;
  }
}

export class GaugeSink {
  readonly type = 'gauge' as const;
  value = 0;
  min = 0;
  max = 0;
  samples = 0;

  add(value: number): void {
    this.value = value;
    if (this.samples === 0 || value < this.min) this.min = value;
    if (this.samples === 0 || value > this.max) this.max = value;
    this.samples++;
  }

  isEmpty(): boolean {
    return this.samples === 0;
  }
}

export class RateSink {
  readonly type = 'rate' as const;
  passes = 0;
  total = 0;

  /** Any non-zero value counts as a pass (k6: true, 1, ...). */
  add(value: number): void {
    this.total++;
    if (value !== 0) this.passes++;
  }

  get fails(): number {
    return this.total - this.passes;
  }

  isEmpty(): boolean {
    return this.total === 0;
  }

  /** passes / total; 0 when empty (as the k6 summary shows it). */
  get rate(): number {
    return this.total > 0 ? this.passes / this.total : 0;
  }
}

/**
 * Values are recorded as integers of 1e-6 of their unit: nanoseconds for time metrics (which are
 * in ms), so sub-microsecond timings such as http_req_sending keep their digits. With 3
 * significant digits a bucket is at most 1/1024 of its value wide (32.8 µs at 50 ms), which
 * bounds the error of any percentile.
 */
const SCALE = 1e6;
const SIGNIFICANT_DIGITS = 3;
const MAX_UNITS = Number.MAX_SAFE_INTEGER;

function newHistogram(): Int32Histogram {
  // Starts covering ~17 s (in ns) and grows on demand.
  const h = new Int32Histogram(1, 2 ** 34, SIGNIFICANT_DIGITS);
  h.autoResize = true;
  return h;
}

function toUnits(value: number): number {
  const units = Math.round(value * SCALE);
  return units > MAX_UNITS ? MAX_UNITS : units;
}

export class TrendSink {
  readonly type = 'trend' as const;
  count = 0;
  sum = 0;
  min = 0;
  max = 0;
  private readonly positive = newHistogram();
  /** Negative samples (rare: custom Trends only), by absolute value. */
  private negative: Int32Histogram | null = null;
  /**
   * Exact zeros not yet in `positive`: most requests add 0 to http_req_connecting and
   * http_req_tls_handshaking, so a counter spares the histogram those records until it is read.
   */
  private zeros = 0;

  add(value: number): void {
    if (this.count === 0) {
      this.min = value;
      this.max = value;
    } else if (value < this.min) {
      this.min = value;
    } else if (value > this.max) {
      this.max = value;
    }
    this.count++;
    this.sum += value;
    if (value === 0) {
      this.zeros++;
    } else if (value > 0) {
      this.positive.recordValue(toUnits(value));
    } else {
      (this.negative ??= newHistogram()).recordValue(toUnits(-value));
    }
  }

  isEmpty(): boolean {
    return this.count === 0;
  }

  get avg(): number {
    return this.count > 0 ? this.sum / this.count : 0;
  }

  get med(): number {
    return this.p(0.5);
  }

  /**
   * Percentile for a fraction in [0, 1], interpolated between the two nearest ranks exactly as
   * k6 does over its sorted samples; each rank's value is placed within its histogram bucket by
   * its position among the bucket's samples, clamped to the exact min and max. 0 when empty.
   */
  p(fraction: number): number {
    return this.percentiles([fraction])[0];
  }

  /** Several percentiles in one pass over the histogram. */
  percentiles(fractions: readonly number[]): number[] {
    const n = this.count;
    if (n === 0) return fractions.map(() => 0);
    if (n === 1) return fractions.map(() => this.min);
    const ranks: number[] = [];
    for (const f of fractions) {
      const i = Math.min(Math.max(f, 0), 1) * (n - 1);
      ranks.push(Math.floor(i), Math.ceil(i));
    }
    const values = this.valuesAtRanks(ranks);
    return fractions.map((f, k) => {
      const i = Math.min(Math.max(f, 0), 1) * (n - 1);
      const lo = values.get(ranks[2 * k])!;
      const hi = values.get(ranks[2 * k + 1])!;
      return lo + (hi - lo) * (i - Math.floor(i));
    });
  }

  /** Value of each 0-based rank in sorted order (rank 0 = min, rank n-1 = max). */
  private valuesAtRanks(ranks: readonly number[]): Map<number, number> {
    const wanted = [...new Set(ranks)].sort((a, b) => a - b);
    const out = new Map<number, number>();
    let next = 0;
    let seen = 0;
    const take = (h: Int32Histogram, index: number, sign: 1 | -1): void => {
      const count = h.getCountAtIndex(index);
      if (count === 0) return;
      const before = seen;
      seen += count;
      if (next >= wanted.length || wanted[next] >= seen) return;
      const low = h.lowestEquivalentValue(h.valueFromIndex(index));
      const size = h.sizeOfEquivalentValueRange(low);
      while (next < wanted.length && wanted[next] < seen) {
        const r = wanted[next++];
        // The bucket's samples are taken as evenly spread across it (ascending in magnitude for
        // positives, descending for negatives); rank 0 and n-1 are the exact min and max.
        const position = (r - before + 0.5) / count;
        // The bucket at 0 holds zeros (and what rounds to 0 units): spread would make 0 read 5e-7.
        const magnitude = low === 0 ? 0 : low + size * (sign === 1 ? position : 1 - position);
        let v = r === 0 ? this.min : r === this.count - 1 ? this.max : (sign * magnitude) / SCALE;
        if (v < this.min) v = this.min;
        if (v > this.max) v = this.max;
        out.set(r, v);
      }
    };
    const neg = this.negative;
    if (neg !== null) {
      for (let i = neg.countsArrayLength - 1; i >= 0 && next < wanted.length; i--) take(neg, i, -1);
    }
    const pos = this.positive;
    if (this.zeros > 0) {
      pos.recordValueWithCount(0, this.zeros);
      this.zeros = 0;
    }
    for (let i = 0; i < pos.countsArrayLength && next < wanted.length; i++) take(pos, i, 1);
    return out;
  }
}

/** A Trend's sink: HDR-backed for live runs, every sample kept where exact percentiles are wanted. */
export type AnyTrendSink = TrendSink | ExactTrendSink;

export type Sink = CounterSink | GaugeSink | RateSink | AnyTrendSink;
