// Live progress of one load run on stderr: a bar with live RPS and errors on a terminal (cli-progress),
// one plain line every few seconds otherwise (CI logs, pipes), nothing when quiet. With a warm-up
// inside the run, the bar first fills over the warm-up's seconds, then restarts for the measured
// phase, counting only the requests after the warm-up.
import cliProgress from 'cli-progress';

export interface ProgressUpdate {
  elapsedMs: number;
  /** Requests since the start, warm-up included (what the load generator or the mock counts). */
  requests: number;
  /** null when the source cannot tell (k6 progress read from the mock's counters). */
  failed: number | null;
}

export interface ProgressView {
  update(update: ProgressUpdate): void;
  stop(): void;
}

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface ProgressTarget {
  label: string;
  /** Requests the measured phase runs (request-count runs) or null. */
  totalRequests: number | null;
  /** Planned seconds of the measured phase (duration runs) or null. */
  totalSeconds: number | null;
  /** Seconds of warm-up before the measured phase (0: none). */
  warmupSeconds: number;
}

/** What a run's flags say about its end: the bar's total after the warm-up. */
export function progressTarget(
  label: string,
  run: { scenario: string; requests: number | null; durationS: number; warmupS: number },
): ProgressTarget {
  const byTime = run.durationS > 0 || run.scenario === 'concurrency';
  return {
    label,
    totalRequests: byTime ? null : (run.requests ?? 10_000),
    totalSeconds: run.durationS > 0 ? run.durationS : null,
    warmupSeconds: run.warmupS,
  };
}

export interface ProgressPosition {
  phase: 'warm-up' | 'measure';
  /** Requests of the current phase (measured ones after the warm-up). */
  requests: number;
  /** Failed requests of the current phase, as the result will count them (null: unknown). */
  failed: number | null;
  /** Bar position and end; total null when the end is unknown (no bar). */
  value: number;
  total: number | null;
}

/**
 * Turns cumulative updates into the position of the current phase. The requests done when the
 * warm-up ended are interpolated between the two updates around its end (updates come every
 * 500 ms), and only later ones count towards the measured total.
 */
export function phaseTracker(target: ProgressTarget): (u: ProgressUpdate) => ProgressPosition {
  const warmupMs = target.warmupSeconds * 1000;
  let previous: ProgressUpdate = { elapsedMs: 0, requests: 0, failed: null };
  let atWarmupEnd: number | null = warmupMs > 0 ? null : 0;
  let failedAtWarmupEnd = 0;
  return (u) => {
    if (atWarmupEnd === null && u.elapsedMs >= warmupMs) {
      const span = u.elapsedMs - previous.elapsedMs;
      const share = Math.min(1, Math.max(0, span > 0 ? (warmupMs - previous.elapsedMs) / span : 1));
      atWarmupEnd = Math.round(previous.requests + (u.requests - previous.requests) * share);
      if (u.failed !== null) failedAtWarmupEnd = Math.round((previous.failed ?? 0) + (u.failed - (previous.failed ?? 0)) * share);
    }
    previous = u;
    if (atWarmupEnd === null) return { phase: 'warm-up', requests: u.requests, failed: u.failed, value: Math.min(u.elapsedMs / 1000, target.warmupSeconds), total: target.warmupSeconds };
    const requests = Math.max(0, u.requests - atWarmupEnd);
    const failed = u.failed === null ? null : Math.max(0, u.failed - failedAtWarmupEnd);
    // The warm-up's end is estimated from time (the generator's clock starts a little before its
    // scenarios), so the count can overshoot by a few: it never reads above the total.
    if (target.totalRequests !== null) {
      const capped = Math.min(requests, target.totalRequests);
      return { phase: 'measure', requests: capped, failed, value: capped, total: target.totalRequests };
    }
    if (target.totalSeconds !== null) {
      const seconds = Math.max(0, (u.elapsedMs - warmupMs) / 1000);
      return { phase: 'measure', requests, failed, value: Math.min(seconds, target.totalSeconds), total: target.totalSeconds };
    }
    return { phase: 'measure', requests, failed, value: 0, total: null };
  };
}

export function progressMode(stream: NodeJS.WriteStream, quiet: boolean): ProgressMode {
  if (quiet) return 'none';
  return stream.isTTY ? 'bar' : 'lines';
}

export function createProgress(mode: ProgressMode, target: ProgressTarget, stream: NodeJS.WritableStream = process.stderr, lineEveryMs = 2000): ProgressView {
  let lastRequests = 0;
  let lastAt = 0;
  let rps = 0;
  const rate = (u: ProgressUpdate) => {
    // RPS over the last interval, not since the start, so a slow warm-up does not hide the live rate.
    if (u.elapsedMs > lastAt) rps = ((u.requests - lastRequests) * 1000) / (u.elapsedMs - lastAt);
    lastRequests = u.requests;
    lastAt = u.elapsedMs;
    return Math.max(0, Math.round(rps));
  };
  if (mode === 'none') return { update: () => {}, stop: () => {} };
  const position = phaseTracker(target);

  if (mode === 'lines') {
    let printedAt = -Infinity;
    let last: { u: ProgressUpdate; at: ProgressPosition } | null = null;
    const print = ({ u, at }: { u: ProgressUpdate; at: ProgressPosition }) => {
      const errors = at.failed === null ? '' : `, ${at.failed} errors`;
      const of = at.phase === 'measure' && target.totalRequests ? `/${target.totalRequests}` : '';
      const phase = at.phase === 'warm-up' ? 'warm-up, ' : '';
      stream.write(`${target.label}: ${(u.elapsedMs / 1000).toFixed(1)} s, ${phase}${at.requests}${of} requests, ${rps.toFixed(0)} rps${errors}\n`);
      printedAt = u.elapsedMs;
    };
    return {
      update(u) {
        rate(u);
        last = { u, at: position(u) };
        if (u.elapsedMs - printedAt >= lineEveryMs) print(last);
      },
      stop() {
        if (last && last.u.elapsedMs !== printedAt) print(last);
      },
    };
  }

  const counters = '{requests} req | {rps} rps | {errors} errors | {duration}s';
  const first = position({ elapsedMs: 0, requests: 0, failed: null });
  // Without a known end (an open-ended scenario) there is no bar after the warm-up.
  const measuredKnown = target.totalRequests !== null || target.totalSeconds !== null;
  const bar = new cliProgress.SingleBar(
    {
      format: `${target.label.padEnd(8)} {phase} ${measuredKnown || first.phase === 'warm-up' ? '[{bar}] {percentage}% | ' : ''}${counters}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let phase = first.phase;
  bar.start(Math.max(1, first.total ?? 1), 0, { requests: 0, rps: 0, errors: 0, phase: phaseText(phase) });
  return {
    update(u) {
      const at = position(u);
      if (at.phase !== phase) {
        phase = at.phase;
        bar.setTotal(Math.max(1, at.total ?? 1));
      }
      bar.update(at.total === null ? 0 : at.value, { requests: at.requests, rps: rate(u), errors: at.failed ?? '?', phase: phaseText(phase) });
    },
    stop() {
      bar.stop();
    },
  };
}

const phaseText = (phase: ProgressPosition['phase']) => (phase === 'warm-up' ? 'warm-up' : 'measure');
