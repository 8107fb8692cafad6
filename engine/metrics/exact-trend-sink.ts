// A Trend sink that keeps every sample, as k6's own does (metrics/sink.go TrendSink), for exact
// percentiles where samples are few enough to keep: merging the NDJSON points of a split run.
// The engine's live runs use the HDR-backed TrendSink, whose memory does not grow with samples.

/** Samples are held in a Float64Array that doubles when full: 8 bytes a sample, no boxing. */
const INITIAL_CAPACITY = 1024;

export class ExactTrendSink {
  readonly type = 'trend' as const;
  count = 0;
  min = 0;
  max = 0;
  private values = new Float64Array(INITIAL_CAPACITY);
  private sorted = true;
  /** Sum of the samples in sorted order, cached until the next add. */
  private total: number | null = null;

  add(value: number): void {
    if (this.count === 0) {
      this.min = value;
      this.max = value;
    } else if (value < this.min) {
      this.min = value;
    } else if (value > this.max) {
      this.max = value;
    }
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    if (this.sorted && this.count > 0 && value < this.values[this.count - 1]) this.sorted = false;
    this.values[this.count++] = value;
    this.total = null;
  }

  isEmpty(): boolean {
    return this.count === 0;
  }

  /** Summed in sorted order: the same samples arriving in another order (from other files) give the same mean. */
  get avg(): number {
    if (this.count === 0) return 0;
    if (this.total === null) {
      this.sort();
      let total = 0;
      for (let i = 0; i < this.count; i++) total += this.values[i];
      this.total = total;
    }
    return this.total / this.count;
  }

  get med(): number {
    return this.p(0.5);
  }

  p(fraction: number): number {
    return this.percentiles([fraction])[0];
  }

  /** k6's percentile: linear interpolation between the two nearest ranks of the sorted samples. */
  percentiles(fractions: readonly number[]): number[] {
    const n = this.count;
    if (n === 0) return fractions.map(() => 0);
    if (n === 1) return fractions.map(() => this.values[0]);
    this.sort();
    return fractions.map((f) => {
      const i = Math.min(Math.max(f, 0), 1) * (n - 1);
      const lo = this.values[Math.floor(i)];
      const hi = this.values[Math.ceil(i)];
      return lo + (hi - lo) * (i - Math.floor(i));
    });
  }

  private sort(): void {
    if (this.sorted) return;
    this.values.subarray(0, this.count).sort(); // a typed array sorts numerically
    this.sorted = true;
  }
}
