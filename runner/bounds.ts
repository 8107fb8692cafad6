// Bounded runs: a count-based run stops at --max-duration with what it measured, marked partial
// with the reason; and a stopped run's rate counts up to the stop, not the shutdown after it.
import type { Result } from '../reporter/index.ts';

/** Why a run's load was stopped before its end (null: it ran to its end). */
export type StopReason = 'interrupted' | 'max-duration' | 'target exited' | 'mock exited';

/** Seconds after which a run is stopped, or null when its own length bounds it (--duration, concurrency plateaus). */
export function maxRunSeconds(opts: { durationS: number; scenario: string; maxDurationS: number; warmupS: number }): number | null {
  if (opts.durationS > 0 || opts.scenario === 'concurrency' || opts.maxDurationS <= 0) return null;
  return opts.maxDurationS + opts.warmupS;
}

/** The result's `partial_reason` for a stopped run. */
export function partialReason(reason: StopReason, result: Pick<Result, 'total_requests' | 'requests'>, maxDurationS: number): string {
  switch (reason) {
    case 'max-duration':
      return `--max-duration ${maxDurationS} s reached after ${result.total_requests}${result.requests ? ` of ${result.requests}` : ''} requests`;
    case 'interrupted':
      return 'interrupted (Ctrl-C or a signal)';
    case 'target exited':
      return 'the started proxy (--target-cmd) exited during the run';
    case 'mock exited':
      return 'the mock exited during the run';
  }
}

/**
 * A stopped run ends at its stop, not when the load generator has drained its requests and
 * written its summary: duration, end_time and rps are cut to `stopAtMs` (Unix ms). The start is
 * the measured phase's (start_time, after any in-run warm-up).
 */
export function endAtStop(result: Result, stopAtMs: number): void {
  const start = Date.parse(result.start_time ?? '');
  if (Number.isNaN(start) || stopAtMs <= start || result.duration === null || result.duration === undefined) return;
  const ns = Math.round((stopAtMs - start) * 1e6);
  if (ns >= result.duration) return;
  result.duration = ns;
  result.end_time = new Date(stopAtMs).toISOString();
  result.rps = result.success_requests === null ? null : result.success_requests / (ns / 1e9);
  if (result.load) result.load.achieved_rps = result.rps;
}
