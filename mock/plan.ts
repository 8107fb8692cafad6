// What one request will do: its delays, fault and text, drawn from a per-request generator so the
// same seed and request order replay exactly. Pure: no timers, no I/O.
import type { JitterKind, MockOptions } from './options.ts';
import { mix32, Rng } from './random.ts';

/** Per-request settings from the x-mock-* headers; each replaces the server's setting. */
export interface Overrides {
  latencyMs?: number;
  itlMs?: number;
  tokens?: number;
  /** HTTP status to answer with instead of a completion. */
  errorStatus?: number;
  /** Cut the connection after this many content tokens. */
  abortAfter?: number;
  /** Pause this long in the middle of the answer. */
  stallMs?: number;
}

export interface RequestPlan {
  seq: number;
  rng: Rng;
  /** Delay from admission to the first token (or the whole non-streamed answer), ms. */
  firstTokenDelayMs: number;
  /** Base gap between tokens; `nextGapMs` adds jitter. */
  itlMs: number;
  outputTokens: number;
  finishReason: 'stop' | 'length';
  errorStatus: number | null;
  /** Content tokens sent before the connection is cut (null = no cut). */
  abortAfter: number | null;
  /** Pause of `stallMs` before content token `stallAt` (null = none). */
  stallAt: number | null;
  stallMs: number;
  contentSeed: number;
  id: string;
}

/** One delay around `base`: unchanged without jitter, else clamped to [0, base * (1 + 5 * cv)]. */
export function sampleDelay(base: number, kind: JitterKind, cv: number, rng: Rng): number {
  if (kind === 'none' || cv <= 0 || base <= 0) return base;
  const z = rng.normal();
  let value: number;
  if (kind === 'normal') value = base * (1 + cv * z);
  else {
    const sigma2 = Math.log(1 + cv * cv);
    value = base * Math.exp(-sigma2 / 2 + Math.sqrt(sigma2) * z);
  }
  return Math.min(Math.max(value, 0), base * (1 + 5 * cv));
}

export interface PlanInput {
  seq: number;
  promptTokens: number;
  /** The request's max_tokens (or max_completion_tokens), if any. */
  maxTokens?: number | null;
  overrides?: Overrides;
}

export function planRequest(opts: MockOptions, input: PlanInput): RequestPlan {
  const o = input.overrides ?? {};
  const rng = new Rng(mix32(opts.seed, input.seq));
  // Fixed draw order: the same number of draws whatever the outcome, so one choice never shifts another.
  const uError = rng.next();
  const uAbort = rng.next();
  const uAbortPoint = rng.next();
  const uStall = rng.next();
  const contentSeed = Math.floor(rng.next() * 1_000_000);
  const id = rng.id(24);

  const wanted = o.tokens ?? opts.tokens;
  const cap = input.maxTokens ?? Infinity;
  const outputTokens = Math.min(wanted, cap);
  const finishReason = cap < wanted ? 'length' : 'stop';

  const errorStatus = o.errorStatus ?? (uError < opts.errorRate ? opts.errorStatus : null);
  let abortAfter: number | null = o.abortAfter ?? null;
  if (abortAfter === null && uAbort < opts.abortRate) {
    // Mid-stream: at least one token out, at least one missing.
    abortAfter = outputTokens <= 1 ? outputTokens : 1 + Math.floor(uAbortPoint * (outputTokens - 1));
  }
  const stallMs = o.stallMs ?? opts.stallMs;
  const stalled = o.stallMs !== undefined ? o.stallMs > 0 : uStall < opts.stallRate;

  const latency = o.latencyMs ?? opts.latencyMs;
  const firstTokenDelayMs = sampleDelay(latency, opts.jitter, opts.jitterCv, rng) + opts.prefillPerTokenMs * input.promptTokens;

  return {
    seq: input.seq,
    rng,
    firstTokenDelayMs,
    itlMs: o.itlMs ?? opts.itlMs,
    outputTokens,
    finishReason,
    errorStatus,
    abortAfter,
    stallAt: stalled ? Math.floor(outputTokens / 2) : null,
    stallMs,
    contentSeed,
    id,
  };
}

/** The gap before the next chunk of `tokens` tokens (jittered per chunk). */
export function nextGapMs(plan: RequestPlan, opts: MockOptions, tokens: number): number {
  return sampleDelay(plan.itlMs * tokens, opts.jitter, opts.jitterCv, plan.rng);
}
