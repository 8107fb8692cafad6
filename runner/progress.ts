// Live progress of one load run on stderr: a bar with live RPS and errors on a terminal (cli-progress),
// one plain line every few seconds otherwise (CI logs, pipes), nothing when quiet.
import cliProgress from 'cli-progress';

export interface ProgressUpdate {
  elapsedMs: number;
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
  /** Requests asked for (request-count runs) or null. */
  totalRequests: number | null;
  /** Planned seconds of load (duration runs, plus warm-up) or null. */
  totalSeconds: number | null;
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

  if (mode === 'lines') {
    let printedAt = -Infinity;
    let last: ProgressUpdate | null = null;
    const print = (u: ProgressUpdate) => {
      const errors = u.failed === null ? '' : `, ${u.failed} errors`;
      const of = target.totalRequests ? `/${target.totalRequests}` : '';
      stream.write(`${target.label}: ${(u.elapsedMs / 1000).toFixed(1)} s, ${u.requests}${of} requests, ${rps.toFixed(0)} rps${errors}\n`);
      printedAt = u.elapsedMs;
    };
    return {
      update(u) {
        rate(u);
        last = u;
        if (u.elapsedMs - printedAt >= lineEveryMs) print(u);
      },
      stop() {
        if (last && last.elapsedMs !== printedAt) print(last);
      },
    };
  }

  const byRequests = target.totalRequests !== null;
  const counters = '{requests} req | {rps} rps | {errors} errors | {duration}s';
  // Without a known end (warm-up requests counted too, or an open-ended scenario) there is no bar.
  const known = byRequests || target.totalSeconds !== null;
  const bar = new cliProgress.SingleBar(
    {
      format: `${target.label.padEnd(8)} ${known ? '[{bar}] {percentage}% | ' : ''}${counters}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const total = byRequests ? target.totalRequests! : Math.max(1, Math.round(target.totalSeconds ?? 1));
  bar.start(total, 0, { requests: 0, rps: 0, errors: 0 });
  return {
    update(u) {
      const value = byRequests ? Math.min(u.requests, total) : known ? Math.min(u.elapsedMs / 1000, total) : 0;
      bar.update(value, { requests: u.requests, rps: rate(u), errors: u.failed ?? '?' });
    },
    stop() {
      bar.stop();
    },
  };
}
