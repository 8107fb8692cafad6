// options.rps / --rps: at most this many requests a second over all the VUs of a run, as k6's
// limiter (golang.org/x/time/rate with a burst of 1): a request waits for its turn once it is
// prepared and before it is sent, so its timings leave the wait out; the iteration's do not.
import { performance } from 'node:perf_hooks';
import { OptionsError } from './scenario.ts';

export class RpsLimit {
  private nextAt = -Infinity;
  private readonly intervalMs: number;

  constructor(readonly perSecond: number) {
    this.intervalMs = 1000 / perSecond;
  }

  /** The instant (performance.now()) the next request may go: now or later. Books that turn. */
  take(): number {
    const now = performance.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    return at;
  }
}

/**
 * The limit from options.rps for `fraction` of it (a worker's part of its instance): k6 reads a
 * whole number above 0 as a limit and 0 as none; anything else is refused, naming the option.
 */
export function rpsLimitOf(value: unknown, fraction: number): RpsLimit | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new OptionsError(`rps: expected a whole number of requests per second (0: no limit), got ${JSON.stringify(value)}`);
  return value === 0 ? null : new RpsLimit(value * fraction);
}
