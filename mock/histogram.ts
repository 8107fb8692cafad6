// A log-linear histogram of whole microseconds: exact below 1024 µs, then 512 buckets per power of
// two (at most 0.2% wide) up to 2^32 µs (71 minutes). Recording costs a clz32 and an increment, which
// matters because the mock records one value per streamed chunk (100k/s); hdr-histogram-js costs
// about ten times as much per value here. Histograms merge exactly by adding counts (mock workers).

const LINEAR = 1024;
const SUB_BITS = 9;
const SUB = 1 << SUB_BITS;
const MAX_US = 2 ** 32 - 1;
const SIZE = LINEAR + (32 - 10) * SUB;

function indexOf(us: number): number {
  if (us < LINEAR) return us;
  const e = 31 - Math.clz32(us);
  return LINEAR + (e - 10) * SUB + ((us >>> (e - SUB_BITS)) & (SUB - 1));
}

/** Largest value that lands in bucket `i`. */
function upperEdge(i: number): number {
  if (i < LINEAR) return i;
  const e = 10 + Math.floor((i - LINEAR) / SUB);
  const sub = (i - LINEAR) % SUB;
  const width = 2 ** (e - SUB_BITS);
  return (SUB + sub) * width + width - 1;
}

/** Sparse form for transport: [bucket, count] pairs, plus the exact sum and maximum. */
export interface HistogramData {
  buckets: [number, number][];
  count: number;
  sumUs: number;
  maxUs: number;
}

export class MicrosHistogram {
  private readonly counts = new Float64Array(SIZE);
  count = 0;
  sumUs = 0;
  maxUs = 0;

  /** Records `us` (rounded up to a whole microsecond, clamped to [0, 2^32 - 1]). */
  record(us: number): void {
    const v = us > 0 ? (us < MAX_US ? Math.ceil(us) : MAX_US) : 0;
    this.counts[indexOf(v)]++;
    this.count++;
    this.sumUs += v;
    if (v > this.maxUs) this.maxUs = v;
  }

  /** Upper edge (µs) of the bucket holding the q-quantile, never above the maximum; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(upperEdge(i), this.maxUs);
    }
    return this.maxUs;
  }

  toData(): HistogramData {
    const buckets: [number, number][] = [];
    for (let i = 0; i < SIZE; i++) if (this.counts[i] > 0) buckets.push([i, this.counts[i]]);
    return { buckets, count: this.count, sumUs: this.sumUs, maxUs: this.maxUs };
  }

  /** Adds another histogram's counts (exact). */
  add(data: HistogramData): void {
    for (const [i, n] of data.buckets) this.counts[i] += n;
    this.count += data.count;
    this.sumUs += data.sumUs;
    if (data.maxUs > this.maxUs) this.maxUs = data.maxUs;
  }
}
