// Warm-up until steady (the default, `--warmup auto`): before each measured run the runner drives
// the same load generator with the same script, request shape, concurrency (or rate), pinning,
// headers and key at the same URL, and stops it once throughput is steady: two consecutive 1 s
// windows within 5% of each other, after at least 2 s, at most 30 s. A JIT-compiled proxy's slow
// start then stays out of the measured numbers, with k6 and the embedded engine alike (the runner
// reads the embedded engine's progress lines, and for k6 the requests the mock counts).
// The measured run starts right after in a fresh load-generator process; k6's request timings
// leave out connection set-up, so its new connections do not show in the latency.
import { join } from 'node:path';
import { parseSampleLine } from '../contract/error-sample-line.ts';
import { plateauPlan } from '../contract/plateaus.ts';
import { scriptPath } from './engines/build.ts';
import { runLoad } from './engines/load.ts';
import { fetchMockStats, modelRequests } from './sampling/rig.ts';

export const WARMUP_MIN_S = 2;
export const WARMUP_MAX_S = 30;
export const WINDOW_MS = 1000;
/** Two consecutive windows whose request counts differ by at most this share count as steady. */
export const STEADY_WITHIN = 0.05;

export interface WarmupOutcome {
  /** Length of the warm-up load, seconds (0.1 s resolution). */
  seconds: number;
  /** True when it ended because throughput was steady; false when it hit WARMUP_MAX_S. */
  stabilised: boolean;
  /** Requests per second of the last 1 s windows seen. */
  windows: number[];
}

/**
 * Reads cumulative request counts (at any interval) into 1 s windows from the load's start and
 * says when the last two are within STEADY_WITHIN of each other (neither empty) after WARMUP_MIN_S.
 */
export class SteadyDetector {
  readonly windows: number[] = [];
  private last: { ms: number; requests: number } = { ms: 0, requests: 0 };
  private atBoundary = 0;

  add(elapsedMs: number, requests: number): boolean {
    if (elapsedMs <= this.last.ms) return this.steady(this.last.ms);
    // Count at each window boundary passed since the last reading, interpolated between readings.
    for (let boundary = (this.windows.length + 1) * WINDOW_MS; boundary <= elapsedMs; boundary += WINDOW_MS) {
      const share = (boundary - this.last.ms) / (elapsedMs - this.last.ms);
      const count = this.last.requests + (requests - this.last.requests) * share;
      this.windows.push(((count - this.atBoundary) * 1000) / WINDOW_MS);
      this.atBoundary = count;
    }
    this.last = { ms: elapsedMs, requests };
    return this.steady(elapsedMs);
  }

  private steady(elapsedMs: number): boolean {
    if (elapsedMs < WARMUP_MIN_S * 1000 || this.windows.length < 2) return false;
    const [a, b] = this.windows.slice(-2);
    return a > 0 && b > 0 && Math.abs(a - b) <= STEADY_WITHIN * Math.max(a, b);
  }
}

export interface WarmupContext {
  opts: { scenario: string; concurrency: number | null; durationS: number; quiet: boolean };
  engine: Parameters<typeof runLoad>[0]['engine'];
  work: string;
  mockUrl: string;
  prefix: string[];
  /** The measured run's script environment, to reuse as is but for the length of the load. */
  env: { env: Record<string, string>; secretEnv: Record<string, string> };
  signal: AbortSignal;
  say: (line: string) => void;
}

/** Runs the warm-up load until steady or WARMUP_MAX_S; null when it was interrupted or produced nothing. */
export async function warmUp(ctx: WarmupContext, label: string): Promise<WarmupOutcome | null> {
  const { opts, engine } = ctx;
  // The concurrency scenario warms up at its first plateau, with the same non-streamed requests.
  const concurrencyScenario = opts.scenario === 'concurrency';
  const script = scriptPath(concurrencyScenario ? 'basic' : opts.scenario);
  const env: Record<string, string> = { ...ctx.env.env, NAME: `warmup-${Date.now()}`, DURATION: String(WARMUP_MAX_S), WARMUP: '0', THRESHOLDS: 'off' };
  if (concurrencyScenario) env.CONCURRENCY = String(plateauPlan(opts.concurrency ?? 1000, opts.durationS * 1000)[0].vus);
  delete env.REQUESTS;

  const detector = new SteadyDetector();
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let elapsedMs = 0;
  let stabilised = false;
  const reading = (ms: number, requests: number) => {
    elapsedMs = ms;
    if (!stabilised && detector.add(ms, requests)) {
      stabilised = true;
      stop.abort();
    }
  };
  // k6 prints no machine-readable progress: count what reaches the mock instead.
  let poll: NodeJS.Timeout | undefined;
  let spawnedAt = 0;
  const before = engine.kind === 'embedded' ? null : modelRequests(await fetchMockStats(ctx.mockUrl));
  if (!ctx.opts.quiet) ctx.say(`${label}: warm-up until throughput is steady (${WARMUP_MIN_S}-${WARMUP_MAX_S} s; --warmup SEC for a fixed one)`);
  try {
    const load = await runLoad({
      engine,
      script,
      env,
      secretEnv: ctx.env.secretEnv,
      summaryPath: join(ctx.work, `${env.NAME}.summary.json`),
      prefix: ctx.prefix,
      signal: stop.signal,
      stopGraceMs: 5000,
      onSpawn: () => {
        spawnedAt = Date.now();
        if (engine.kind === 'embedded') return;
        poll = setInterval(() => {
          void fetchMockStats(ctx.mockUrl).then((stats) => {
            const now = modelRequests(stats);
            if (now !== null && !stop.signal.aborted) reading(Date.now() - spawnedAt, now - (before ?? 0));
          });
        }, 250);
      },
      onProgress: (p) => reading(p.elapsed_ms, p.requests),
      onLogLine: (line) => parseSampleLine(line) !== null,
    });
    if (ctx.signal.aborted) return null;
    if (!stabilised && engine.kind !== 'embedded') elapsedMs = Date.now() - spawnedAt;
    if (load.exitCode !== 0 && !load.aborted && detector.windows.every((w) => w === 0)) return null;
  } finally {
    clearInterval(poll);
    ctx.signal.removeEventListener('abort', onAbort);
  }
  const seconds = Math.round(elapsedMs / 100) / 10;
  const windows = detector.windows.slice(-2).map((w) => Math.round(w));
  // Said even with --quiet: whether the numbers that follow come from a steady load.
  ctx.say(
    stabilised
      ? `${label}: warmed up in ${seconds} s (last two 1 s windows: ${windows.join(' and ')} requests/s)`
      : `${label}: throughput still not steady after ${seconds} s of warm-up (${windows.length ? `last 1 s windows: ${windows.join(', ')} requests/s` : 'not one full 1 s window'}); measuring anyway, recorded as warmup_stabilised: false`,
  );
  return { seconds, stabilised, windows };
}
