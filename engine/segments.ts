// k6's execution segments (lib/execution_segment.go): a run split over several instances, each
// running the part `from:to` of every scenario. Which VU and iteration numbers an instance owns is
// decided by "striping": the sequence of segments is unrolled over its least common denominator
// (lcd) and each index modulo lcd belongs to exactly one segment, so the parts of all instances add
// up exactly to the whole run, for any count. Rationals are exact (BigInt), as k6's big.Rat.

/** A bad --execution-segment / --execution-segment-sequence value: the run does not start (104). */
export class SegmentError extends Error {
  override name = 'SegmentError';
}

const gcdBig = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
};

/** An exact fraction n/d, always reduced, d > 0. */
export class Rat {
  readonly n: bigint;
  readonly d: bigint;

  constructor(n: bigint, d: bigint = 1n) {
    if (d === 0n) throw new RangeError('zero denominator');
    if (d < 0n) [n, d] = [-n, -d];
    const g = gcdBig(n, d) || 1n;
    this.n = n / g;
    this.d = d / g;
  }

  static readonly ZERO = new Rat(0n);
  static readonly ONE = new Rat(1n);

  add(o: Rat): Rat {
    return new Rat(this.n * o.d + o.n * this.d, this.d * o.d);
  }

  sub(o: Rat): Rat {
    return new Rat(this.n * o.d - o.n * this.d, this.d * o.d);
  }

  mul(o: Rat): Rat {
    return new Rat(this.n * o.n, this.d * o.d);
  }

  cmp(o: Rat): number {
    const l = this.n * o.d;
    const r = o.n * this.d;
    return l < r ? -1 : l > r ? 1 : 0;
  }

  toNumber(): number {
    return Number(this.n) / Number(this.d);
  }

  /** Go's RatString: "3" or "1/3". */
  toString(): string {
    return this.d === 1n ? String(this.n) : `${this.n}/${this.d}`;
  }

  /** Go's FloatString(2): two decimals, halves rounded away from zero (for error messages). */
  fixed2(): string {
    const neg = this.n < 0n;
    const abs = neg ? -this.n : this.n;
    let hundredths = (abs * 100n) / this.d;
    if (((abs * 100n) % this.d) * 2n >= this.d) hundredths++;
    const text = `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`;
    return neg && hundredths !== 0n ? `-${text}` : text;
  }
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** One point of a segment: "50%" (whole percent), "1/3", "0.5" or "1" (k6's stringToRat). */
export function parseRat(text: string): Rat {
  if (text.endsWith('%')) {
    const body = text.slice(0, -1);
    if (!/^[+-]?\d+$/.test(body)) throw new SegmentError(`'${text}' is not a valid percentage`);
    return new Rat(BigInt(body), 100n);
  }
  const invalid = () => new SegmentError(`'${text}' is not a valid percentage, decimal, fraction or interval value`);
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(text);
  if (frac) {
    if (BigInt(frac[2]) === 0n) throw invalid();
    return new Rat(BigInt(frac[1]), BigInt(frac[2]));
  }
  const dec = DECIMAL.exec(text);
  if (!dec || (dec[2] === '' && (dec[3] ?? '') === '')) throw invalid();
  const [, sign, whole, fraction = '', exp = '0'] = dec;
  let n = BigInt((whole || '0') + fraction) * (sign === '-' ? -1n : 1n);
  let d = 10n ** BigInt(fraction.length);
  const e = Number(exp);
  if (Math.abs(e) > 1000) throw invalid();
  if (e >= 0) n *= 10n ** BigInt(e);
  else d *= 10n ** BigInt(-e);
  return new Rat(n, d);
}

/** The part `from:to` of a run, 0 <= from < to <= 1. */
export class Segment {
  readonly length: Rat;

  constructor(
    readonly from: Rat,
    readonly to: Rat,
  ) {
    if (from.cmp(Rat.ZERO) < 0) throw new SegmentError(`segment start value must be at least 0 but was ${from.fixed2()}`);
    if (from.cmp(to) >= 0) throw new SegmentError(`segment start(${from.fixed2()}) must be less than its end(${to.fixed2()})`);
    if (to.cmp(Rat.ONE) > 0) throw new SegmentError(`segment end value can't be more than 1 but was ${to.fixed2()}`);
    this.length = to.sub(from);
  }

  static readonly FULL = new Segment(Rat.ZERO, Rat.ONE);

  get isFull(): boolean {
    return this.from.cmp(Rat.ZERO) === 0 && this.to.cmp(Rat.ONE) === 0;
  }

  equals(o: Segment): boolean {
    return this.from.cmp(o.from) === 0 && this.to.cmp(o.to) === 0;
  }

  toString(): string {
    return `${this.from}:${this.to}`;
  }

  /** `n` equal consecutive parts of this segment (k6's Split). */
  split(n: number): Segment[] {
    const step = this.length.mul(new Rat(1n, BigInt(n)));
    const parts: Segment[] = [];
    let from = this.from;
    for (let i = 0; i < n; i++) {
      const to = i === n - 1 ? this.to : from.add(step);
      parts.push(new Segment(from, to));
      from = to;
    }
    return parts;
  }
}

/** `--execution-segment`: "from:to", or a single "to" meaning "0:to"; "" is the whole run. */
export function parseSegment(text: string): Segment {
  if (text === '') return Segment.FULL;
  const colon = text.indexOf(':');
  if (colon < 0) return new Segment(Rat.ZERO, parseRat(text));
  return new Segment(parseRat(text.slice(0, colon)), parseRat(text.slice(colon + 1)));
}

/** `--execution-segment-sequence`: "0,1/3,2/3,1", consecutive segments (not necessarily 0..1). */
export function parseSequence(text: string): Segment[] {
  const points = text.split(',');
  if (points.length < 2) throw new SegmentError(`at least 2 points are needed for an execution segment sequence, ${points.length} given`);
  const rats = points.map(parseRat);
  const segments: Segment[] = [];
  for (let i = 1; i < rats.length; i++) segments.push(new Segment(rats[i - 1], rats[i]));
  return segments;
}

export const sequenceString = (seq: readonly Segment[]): string => [seq[0].from, ...seq.map((s) => s.to)].map(String).join(',');

/** Bounds the work of striping (k6 loops over the lcd too): beyond it, the sequence is refused. */
const MAX_LCD = 1_000_000;

/**
 * A full sequence (0..1) unrolled over its lcd: for each segment, the residues modulo lcd it
 * owns. k6's ExecutionSegmentSequenceWrapper: index i goes to the first segment (largest share
 * first, ties in sequence order) that has fallen behind its share at i.
 */
export class Striping {
  readonly lcd: number;
  /** owned[s]: the residues in [0, lcd) owned by segment s, ascending. */
  readonly owned: number[][];

  constructor(readonly sequence: readonly Segment[]) {
    let lcd = 1n;
    for (const s of sequence) lcd = (lcd * s.length.d) / gcdBig(lcd, s.length.d);
    if (lcd > BigInt(MAX_LCD)) throw new SegmentError(`execution segment sequence ${sequenceString(sequence)} is too fine (its lcd ${lcd} is over ${MAX_LCD})`);
    this.lcd = Number(lcd);
    const shares = sequence.map((s, index) => ({ index, numerator: Number(s.length.n * (lcd / s.length.d)) }));
    // Stable sort: the largest shares choose first.
    const order = [...shares].sort((a, b) => b.numerator - a.numerator);
    const chosen = new Array<number>(order.length).fill(0);
    this.owned = sequence.map(() => []);
    for (let i = 0; i < this.lcd; i++) {
      for (let k = 0; k < order.length; k++) {
        const num = chosen[k] * this.lcd;
        const denom = order[k].numerator;
        const q = Math.floor(num / denom);
        if (i > q || (i === q && num % denom === 0)) {
          chosen[k]++;
          this.owned[order[k].index].push(i);
          break;
        }
      }
    }
  }

  /** How many of the indices 0..value-1 segment `s` owns. */
  scale(s: number, value: number): number {
    const owned = this.owned[s];
    const rest = value % this.lcd;
    let below = 0;
    let above = owned.length;
    while (below < above) {
      const mid = (below + above) >> 1;
      if (owned[mid] < rest) below = mid + 1;
      else above = mid;
    }
    return Math.floor(value / this.lcd) * owned.length + below;
  }

  /** The `k`-th (0-based) index segment `s` owns. */
  nth(s: number, k: number): number {
    const owned = this.owned[s];
    return Math.floor(k / owned.length) * this.lcd + owned[k % owned.length];
  }
}

/**
 * One instance's place in the run: its segment in a full sequence (k6's ExecutionTuple). Scales
 * counts (VUs, iterations) and maps the instance's n-th unit to its index in the whole run.
 */
export class ExecutionTuple {
  private constructor(
    readonly striping: Striping,
    readonly index: number,
  ) {}

  /**
   * k6's NewExecutionTuple: the sequence (when given) filled to 0..1, or the segment alone with
   * the parts before and after it; the segment must be one of the sequence's.
   */
  static of(segment: Segment | null, sequence: readonly Segment[] | null): ExecutionTuple {
    const seg = segment ?? Segment.FULL;
    if (sequence !== null && !sequence.some((s) => s.equals(seg))) {
      throw new SegmentError(`provided segment ${seg} can't be found in sequence ${sequenceString(sequence)}`);
    }
    let filled: Segment[] = sequence !== null && sequence.length > 0 ? [...sequence] : seg.isFull ? [Segment.FULL] : [seg];
    if (filled[0].from.cmp(Rat.ZERO) !== 0) filled = [new Segment(Rat.ZERO, filled[0].from), ...filled];
    const last = filled[filled.length - 1];
    if (last.to.cmp(Rat.ONE) !== 0) filled = [...filled, new Segment(last.to, Rat.ONE)];
    return new ExecutionTuple(new Striping(filled), filled.findIndex((s) => s.equals(seg)));
  }

  static readonly FULL = ExecutionTuple.of(null, null);

  get segment(): Segment {
    return this.striping.sequence[this.index];
  }

  get isFull(): boolean {
    return this.striping.sequence.length === 1;
  }

  /** The number of 0..value-1 this instance owns (k6's ScaleInt64). */
  scale(value: number): number {
    return this.isFull ? value : this.striping.scale(this.index, value);
  }

  /** Index in the whole run of this instance's `k`-th unit (0-based). */
  nth(k: number): number {
    return this.isFull ? k : this.striping.nth(this.index, k);
  }

  /**
   * k6's GetNewExecutionTupleFromValue: the sequence re-cut by how `value` units fall on its
   * segments (segments owning none are dropped). Executors use it to stripe iterations the way
   * their VUs (shared-iterations) or maxVUs (arrival rates) were striped. Requires scale(value) > 0.
   */
  forValue(value: number): ExecutionTuple {
    if (value < 1) throw new SegmentError(`cannot generate new sequence for value ${value}`);
    if (value % this.striping.lcd === 0) return this;
    const segments: Segment[] = [];
    let prev = 0;
    let index = -1;
    this.striping.sequence.forEach((_, s) => {
      const part = this.striping.scale(s, value);
      if (part === 0) return;
      if (s === this.index) index = segments.length;
      segments.push(new Segment(new Rat(BigInt(prev), BigInt(value)), new Rat(BigInt(prev + part), BigInt(value))));
      prev += part;
    });
    if (index < 0) throw new SegmentError(`segment ${this.index} (${this.segment}) isn't present in the new sequence`);
    return new ExecutionTuple(new Striping(segments), index);
  }
}

/**
 * What one executing unit (an instance, or one worker of it) owns: a chain of tuples, the
 * instance's within the run, then a worker's within the instance's part. Counts are scaled
 * through the chain and indices mapped back through it, so N workers split an instance's part
 * exactly as N instances would split the whole.
 */
export class Share {
  constructor(readonly tuples: readonly ExecutionTuple[]) {}

  static readonly FULL = new Share([]);

  get isFull(): boolean {
    return this.tuples.every((t) => t.isFull);
  }

  /** The fraction of the run (for the banner). */
  get fraction(): number {
    return this.tuples.reduce((f, t) => f * t.segment.length.toNumber(), 1);
  }

  scale(value: number): number {
    let v = value;
    for (const t of this.tuples) v = t.scale(v);
    return v;
  }

  nth(k: number): number {
    let i = k;
    for (let j = this.tuples.length - 1; j >= 0; j--) i = this.tuples[j].nth(i);
    return i;
  }

  /** Each tuple re-cut by the value it sees (see ExecutionTuple.forValue); requires scale(value) > 0. */
  forValue(value: number): Share {
    if (this.isFull) return this;
    let v = value;
    return new Share(
      this.tuples.map((t) => {
        const next = t.forValue(v);
        v = t.scale(v);
        return next;
      }),
    );
  }

  /** Worker `i` of `n` inside this share (the parts of 0,1/n,...,1). */
  subdivide(i: number, n: number): Share {
    if (n === 1) return this;
    const parts = Segment.FULL.split(n);
    return new Share([...this.tuples, ExecutionTuple.of(parts[i], parts)]);
  }
}

/** The instance's share from the CLI flags or the script options (strings as k6 takes them). */
export function instanceShare(segment: string | undefined, sequence: string | undefined): Share {
  if ((segment === undefined || segment === '') && (sequence === undefined || sequence === '')) return Share.FULL;
  const seg = segment === undefined ? null : parseSegment(segment);
  const seq = sequence === undefined || sequence === '' ? null : parseSequence(sequence);
  return new Share([ExecutionTuple.of(seg, seq)]);
}
