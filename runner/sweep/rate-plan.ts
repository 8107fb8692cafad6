// Which arrival rate a capacity sweep tries next: doubling from the start rate until a step
// fails (or --max-rate passes), then bisection between the best pass and the lowest failure
// until they are within `precision` of each other. Halving instead when the first step fails.

export interface RatePlanOptions {
  startRps: number;
  maxRps: number;
  /** Relative gap between pass and fail at which bisection stops (0.05 = ±5%). */
  precision?: number;
  /** Lowest rate worth trying when even the start rate fails. */
  minRps?: number;
}

export type PlanEnd = 'converged' | 'max-rate' | 'none-passed';

/** Rates as k6 takes them: integers from 20 rps up, one decimal below (RATE allows three). */
export function roundRate(rps: number): number {
  return rps >= 20 ? Math.round(rps) : Math.round(rps * 10) / 10;
}

export class RatePlan {
  /** Highest rate that passed, and lowest that failed. */
  lo: number | null = null;
  hi: number | null = null;
  end: PlanEnd | null = null;
  private readonly precision: number;
  private readonly minRps: number;

  constructor(private readonly options: RatePlanOptions) {
    if (!(options.startRps > 0) || !(options.maxRps >= options.startRps)) throw new Error('need 0 < start rate <= max rate');
    this.precision = options.precision ?? 0.05;
    this.minRps = options.minRps ?? 0.1;
  }

  /** The next rate to try, or null when the sweep is over (see `end`). */
  next(): number | null {
    if (this.end) return null;
    const { startRps, maxRps } = this.options;
    const { lo, hi } = this;
    let rate: number;
    if (lo === null && hi === null) rate = startRps;
    else if (hi === null) {
      if (lo! >= maxRps) return this.finish('max-rate');
      rate = Math.min(maxRps, lo! * 2);
    } else if (lo === null) {
      rate = hi / 2;
      if (rate < this.minRps) return this.finish('none-passed');
    } else {
      if ((hi - lo) / lo <= this.precision) return this.finish('converged');
      rate = (lo + hi) / 2;
    }
    rate = roundRate(rate);
    // Rounding can land on a rate already judged: the interval cannot shrink further.
    if (rate === lo || rate === hi) return this.finish(lo === null ? 'none-passed' : 'converged');
    return rate;
  }

  record(rate: number, ok: boolean): void {
    if (ok) this.lo = this.lo === null ? rate : Math.max(this.lo, rate);
    else this.hi = this.hi === null ? rate : Math.min(this.hi, rate);
  }

  private finish(end: PlanEnd): null {
    this.end = end;
    return null;
  }
}
